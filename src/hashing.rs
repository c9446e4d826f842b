//! Password hashing on a bounded pool.
//!
//! One argon2id hash or verification takes about 40 ms of a core and 19 MiB of working memory.
//! They all run here: on a fixed number of threads, each reusing its own working memory (given
//! back to the system after a quiet spell), behind a bounded wait queue. A full queue is refused
//! at once ([`HashError::Full`], answered `503` + `Retry-After`), and one login's verifications
//! from one client address are capped ([`HashError::Flood`], `429`), so neither the memory nor
//! the wait grows with the load.

use std::collections::HashMap;
use std::net::IpAddr;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, TrySendError};
use tokio::sync::oneshot;

use crate::domain::{HashMemory, Password, PasswordHash};

/// The pool's bounds.
#[derive(Debug, Clone)]
pub struct HashPoolConfig {
    /// Threads hashing at once: the most hashes in flight, and `threads × 19 MiB` of memory.
    pub threads: usize,
    /// Hashes that may wait for a thread; one more is refused with [`HashError::Full`].
    pub queue: usize,
    /// Verifications of one login from one client address that may be waiting or running at
    /// once; one more is refused with [`HashError::Flood`].
    pub per_login: usize,
    /// A thread idle this long gives its working memory back.
    pub idle_release: Duration,
}

impl Default for HashPoolConfig {
    fn default() -> Self {
        Self {
            threads: default_threads(),
            queue: 64,
            per_login: 2,
            idle_release: Duration::from_secs(5),
        }
    }
}

/// The number of cores this process may use.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(2, usize::from)
}

/// Why a hash was not computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum HashError {
    /// Every thread is busy and the queue is full.
    #[error("password hashing queue full; retry after {retry_after_secs} s")]
    Full { retry_after_secs: u32 },
    /// This login already has its share of verifications in flight from this address.
    #[error("too many concurrent logins; retry after {retry_after_secs} s")]
    Flood { retry_after_secs: u32 },
    /// The hashing thread failed (a bug: it panicked).
    #[error("the hashing thread failed")]
    Failed,
}

/// Who a verification is for, to cap one caller's flood: the login and the client's address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FloodKey {
    pub login: String,
    pub addr: Option<IpAddr>,
}

/// Counters, read by tests, metrics and benchmarks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    pub threads: usize,
    pub queued: usize,
    pub running: usize,
    /// The most jobs that ever ran at once.
    pub peak_running: usize,
    pub completed: u64,
    pub rejected_full: u64,
    pub rejected_flood: u64,
    /// Working memory held by the threads now, in bytes.
    pub memory_bytes: usize,
}

type Job = Box<dyn FnOnce(&mut HashMemory) + Send>;

#[derive(Default)]
struct Shared {
    running: AtomicUsize,
    peak_running: AtomicUsize,
    completed: AtomicU64,
    rejected_full: AtomicU64,
    rejected_flood: AtomicU64,
    memory_bytes: AtomicUsize,
    /// Jobs whose callers are still waiting (queued or running); a caller that goes away gives
    /// its place back at once, though its job stays in the channel until a thread skips it.
    admitted: AtomicUsize,
    /// Moving average of a job's duration, for `Retry-After`.
    mean_micros: AtomicU64,
    in_flight: Mutex<HashMap<FloodKey, usize>>,
}

/// The bounded pool. Dropping it stops its threads once the queue is drained.
pub struct HashPool {
    jobs: Sender<Job>,
    queue: Receiver<Job>,
    config: HashPoolConfig,
    shared: Arc<Shared>,
}

impl HashPool {
    pub fn new(config: HashPoolConfig) -> Self {
        let config = HashPoolConfig {
            threads: config.threads.max(1),
            per_login: config.per_login.max(1),
            ..config
        };
        // Admission is counted in `admitted`; the channel's own bound leaves room for the jobs
        // of callers that went away, which are skipped when reached.
        let (jobs, queue) = crossbeam_channel::bounded::<Job>(4 * (config.queue + config.threads));
        let shared = Arc::new(Shared {
            mean_micros: AtomicU64::new(40_000),
            ..Shared::default()
        });
        for i in 0..config.threads {
            let (queue, shared, idle) = (queue.clone(), Arc::clone(&shared), config.idle_release);
            std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || work(&queue, &shared, idle))
                .expect("cannot start a hashing thread");
        }
        Self {
            jobs,
            queue,
            config,
            shared,
        }
    }

    /// Hashes a new password.
    pub async fn hash(&self, password: Password) -> Result<PasswordHash, HashError> {
        self.run(None, move |memory| password.hash_in(memory)).await
    }

    /// Checks a presented password against a stored hash, within `key`'s share.
    pub async fn verify(
        &self,
        password: Password,
        hash: PasswordHash,
        key: FloodKey,
    ) -> Result<bool, HashError> {
        self.run(Some(key), move |memory| password.verify_in(&hash, memory))
            .await
    }

    /// Runs `job` on a pool thread with its working memory, or refuses at once if the queue is
    /// full or `key` has its share in flight. A job whose caller has gone away meanwhile is
    /// skipped.
    pub async fn run<T: Send + 'static>(
        &self,
        key: Option<FloodKey>,
        job: impl FnOnce(&mut HashMemory) -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let _share = match key {
            Some(key) => Some(self.admit(key)?),
            None => None,
        };
        let _place = self.take_place()?;
        let (reply, answer) = oneshot::channel();
        let shared = Arc::clone(&self.shared);
        let job: Job = Box::new(move |memory| {
            if reply.is_closed() {
                return;
            }
            let held = memory.size();
            let out = job(memory);
            shared
                .memory_bytes
                .fetch_add(memory.size() - held, Ordering::Relaxed);
            shared.completed.fetch_add(1, Ordering::Relaxed);
            let _ = reply.send(out);
        });
        match self.jobs.try_send(job) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => return Err(self.full()),
            Err(TrySendError::Disconnected(_)) => return Err(HashError::Failed),
        }
        answer.await.map_err(|_| HashError::Failed)
    }

    /// A place among the `threads + queue` jobs that may be waiting or running, or `Full`.
    fn take_place(&self) -> Result<Place<'_>, HashError> {
        let capacity = self.config.threads + self.config.queue;
        let admitted = &self.shared.admitted;
        admitted
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < capacity).then_some(n + 1)
            })
            .map_err(|_| self.full())?;
        Ok(Place(admitted))
    }

    fn full(&self) -> HashError {
        self.shared.rejected_full.fetch_add(1, Ordering::Relaxed);
        HashError::Full {
            retry_after_secs: self.retry_after_secs(),
        }
    }

    /// Counts one more verification for `key`, or refuses it.
    fn admit(&self, key: FloodKey) -> Result<Share<'_>, HashError> {
        let mut in_flight = self.shared.in_flight.lock().expect("pool poisoned");
        let count = in_flight.entry(key.clone()).or_insert(0);
        if *count >= self.config.per_login {
            drop(in_flight);
            self.shared.rejected_flood.fetch_add(1, Ordering::Relaxed);
            return Err(HashError::Flood {
                retry_after_secs: self.retry_after_secs(),
            });
        }
        *count += 1;
        Ok(Share { pool: self, key })
    }

    /// How long until the jobs admitted now are done, in whole seconds (1 to 60).
    fn retry_after_secs(&self) -> u32 {
        let waiting = self.shared.admitted.load(Ordering::Relaxed) as u64;
        let mean = self.shared.mean_micros.load(Ordering::Relaxed);
        let micros = waiting * mean / self.config.threads as u64;
        u32::try_from(micros.div_ceil(1_000_000)).map_or(60, |s| s.clamp(1, 60))
    }

    pub fn stats(&self) -> PoolStats {
        let s = &self.shared;
        PoolStats {
            threads: self.config.threads,
            queued: self.queue.len(),
            running: s.running.load(Ordering::Relaxed),
            peak_running: s.peak_running.load(Ordering::Relaxed),
            completed: s.completed.load(Ordering::Relaxed),
            rejected_full: s.rejected_full.load(Ordering::Relaxed),
            rejected_flood: s.rejected_flood.load(Ordering::Relaxed),
            memory_bytes: s.memory_bytes.load(Ordering::Relaxed),
        }
    }
}

/// A job's place in the pool, given back when its caller is done with it (or gone).
struct Place<'a>(&'a AtomicUsize);

impl Drop for Place<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// One admitted verification of a [`FloodKey`]; released when the request is done with it.
struct Share<'a> {
    pool: &'a HashPool,
    key: FloodKey,
}

impl Drop for Share<'_> {
    fn drop(&mut self) {
        let mut in_flight = self.pool.shared.in_flight.lock().expect("pool poisoned");
        if let Some(count) = in_flight.get_mut(&self.key) {
            *count -= 1;
            if *count == 0 {
                in_flight.remove(&self.key);
            }
        }
    }
}

/// A pool thread: takes jobs until the pool is dropped, keeping its working memory between them
/// and giving it back after `idle` without work.
fn work(queue: &Receiver<Job>, shared: &Shared, idle: Duration) {
    let mut memory = HashMemory::default();
    loop {
        let job = if memory.size() == 0 {
            match queue.recv() {
                Ok(job) => job,
                Err(_) => return,
            }
        } else {
            match queue.recv_timeout(idle) {
                Ok(job) => job,
                Err(RecvTimeoutError::Timeout) => {
                    shared
                        .memory_bytes
                        .fetch_sub(memory.size(), Ordering::Relaxed);
                    memory = HashMemory::default();
                    continue;
                }
                Err(RecvTimeoutError::Disconnected) => return,
            }
        };
        let running = shared.running.fetch_add(1, Ordering::Relaxed) + 1;
        shared.peak_running.fetch_max(running, Ordering::Relaxed);
        let started = Instant::now();
        // A panicking job drops its reply, which its caller sees as `Failed`; the thread lives on.
        let _ = catch_unwind(AssertUnwindSafe(|| job(&mut memory)));
        let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        let mean = shared.mean_micros.load(Ordering::Relaxed);
        shared
            .mean_micros
            .store((mean * 7 + micros) / 8, Ordering::Relaxed);
        shared.running.fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    fn pool(threads: usize, queue: usize, per_login: usize) -> Arc<HashPool> {
        Arc::new(HashPool::new(HashPoolConfig {
            threads,
            queue,
            per_login,
            idle_release: Duration::from_secs(60),
        }))
    }

    fn key(login: &str) -> FloodKey {
        FloodKey {
            login: login.into(),
            addr: Some(IpAddr::from([127, 0, 0, 1])),
        }
    }

    /// Many more jobs than threads: no more than `threads` ever run at once, counted by the
    /// jobs themselves, and all of them complete.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn never_runs_more_than_its_threads() {
        let pool = pool(3, 100, 1);
        let now = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..60)
            .map(|_| {
                let (pool, now, most) = (Arc::clone(&pool), Arc::clone(&now), Arc::clone(&most));
                tokio::spawn(async move {
                    pool.run(None, move |_| {
                        let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(n, Ordering::SeqCst);
                        // Some real work, so that jobs overlap.
                        let mut x = 0u64;
                        for i in 0..200_000u64 {
                            x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(i));
                        }
                        now.fetch_sub(1, Ordering::SeqCst);
                        x
                    })
                    .await
                })
            })
            .collect();
        for t in tasks {
            t.await.expect("task").expect("accepted");
        }
        assert!(most.load(Ordering::SeqCst) <= 3, "ran {most:?} at once");
        let stats = pool.stats();
        assert_eq!(stats.completed, 60);
        assert!(stats.peak_running <= 3 && stats.peak_running >= 1);
        until(&pool, |s| s.queued == 0 && s.running == 0).await;
    }

    /// Waits (bounded) until the pool's counters satisfy `ok`.
    async fn until(pool: &HashPool, ok: impl Fn(&PoolStats) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !ok(&pool.stats()) {
            assert!(
                Instant::now() < deadline,
                "pool never got there: {:?}",
                pool.stats()
            );
            tokio::time::sleep(Duration::from_millis(2)).await; // poll, bounded by the deadline
        }
    }

    /// With the thread busy and the queue full, one more job is refused at once; a login's
    /// second verification from the same address is refused while its first is in flight, one
    /// from another address is not.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn full_queue_and_floods_are_refused_at_once() {
        let pool = pool(1, 2, 1);
        let (open, gate) = mpsc::channel::<()>();
        let blocker = {
            let pool = Arc::clone(&pool);
            tokio::spawn(async move { pool.run(None, move |_| gate.recv().is_ok()).await })
        };
        until(&pool, |s| s.running == 1).await;
        let hash = Password::parse_api("whatever1").unwrap().hash();
        let first = {
            let (pool, hash) = (Arc::clone(&pool), hash.clone());
            tokio::spawn(async move {
                let p = Password::parse_api("guess0001").unwrap();
                pool.verify(p, hash, key("qwe@x")).await
            })
        };
        until(&pool, |s| s.queued == 1).await;
        let p = Password::parse_api("guess0002").unwrap();
        let flood = pool.verify(p.clone(), hash.clone(), key("qwe@x")).await;
        assert!(
            matches!(flood, Err(HashError::Flood { retry_after_secs }) if retry_after_secs >= 1)
        );
        let elsewhere = {
            let (pool, hash, p) = (Arc::clone(&pool), hash.clone(), p.clone());
            tokio::spawn(async move {
                let key = FloodKey {
                    addr: Some(IpAddr::from([10, 0, 0, 1])),
                    ..key("qwe@x")
                };
                pool.verify(p, hash, key).await
            })
        };
        until(&pool, |s| s.queued == 2).await;
        let full = pool.hash(p).await;
        assert!(matches!(full, Err(HashError::Full { retry_after_secs }) if retry_after_secs >= 1));
        assert_eq!(
            (pool.stats().rejected_full, pool.stats().rejected_flood),
            (1, 1)
        );
        open.send(()).expect("release");
        assert_eq!(blocker.await.expect("task"), Ok(true));
        assert_eq!(first.await.expect("task"), Ok(false));
        assert_eq!(elsewhere.await.expect("task"), Ok(false));
        // The shares are released: the login may verify again.
        let again = Password::parse_api("whatever1").unwrap();
        assert_eq!(pool.verify(again, hash, key("qwe@x")).await, Ok(true));
    }

    /// Working memory is kept between jobs and given back after the idle time.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn memory_is_reused_then_released() {
        let pool = HashPool::new(HashPoolConfig {
            threads: 1,
            queue: 4,
            per_login: 1,
            idle_release: Duration::from_millis(50),
        });
        let p = Password::parse_api("whatever1").unwrap();
        let hash = pool.hash(p.clone()).await.expect("hashed");
        assert_eq!(pool.stats().memory_bytes, 19456 * 1024);
        assert!(pool.verify(p, hash, key("a@b")).await.expect("verified"));
        until(&pool, |s| s.memory_bytes == 0).await;
    }

    /// A caller that goes away gives its place back at once: its job, still queued, does not
    /// keep others out (a client that disconnects while waiting costs nothing).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_caller_that_goes_away_frees_its_place() {
        let pool = pool(1, 1, 1);
        let (open, gate) = mpsc::channel::<()>();
        let blocker = {
            let pool = Arc::clone(&pool);
            tokio::spawn(async move { pool.run(None, move |_| gate.recv().is_ok()).await })
        };
        until(&pool, |s| s.running == 1).await;
        let ran = Arc::new(AtomicUsize::new(0));
        let abandoned = {
            let (pool, ran) = (Arc::clone(&pool), Arc::clone(&ran));
            tokio::spawn(async move {
                pool.run(None, move |_| ran.fetch_add(1, Ordering::SeqCst))
                    .await
            })
        };
        until(&pool, |s| s.queued == 1).await;
        assert!(matches!(
            pool.run(None, |_| ()).await,
            Err(HashError::Full { .. })
        ));
        abandoned.abort();
        let _ = abandoned.await;
        let next = {
            let pool = Arc::clone(&pool);
            tokio::spawn(async move { pool.run(None, |_| 7u8).await })
        };
        until(&pool, |s| s.queued == 2).await;
        open.send(()).expect("release");
        assert_eq!(blocker.await.expect("task"), Ok(true));
        assert_eq!(next.await.expect("task"), Ok(7));
        assert_eq!(
            ran.load(Ordering::SeqCst),
            0,
            "the abandoned job was skipped"
        );
    }

    /// A job that panics fails its caller, not the pool.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_panicking_job_fails_alone() {
        let pool = pool(1, 4, 1);
        let failed = pool.run(None, |_| -> u8 { panic!("boom") }).await;
        assert_eq!(failed, Err(HashError::Failed));
        assert_eq!(pool.run(None, |_| 7u8).await, Ok(7));
    }
}
