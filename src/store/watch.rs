//! Waiting on an order without asking the database: one registry per process of the orders
//! someone waits on. A change to an order (a step's outcome, a submit, a cancel, a line added)
//! moves the order's version here: directly in the process that made it, and through
//! PostgreSQL's `LISTEN` in every other instance ([`super::dialect::listen_for_work`]). A waiter
//! costs no query while it waits, and the waiters of one order share one read per version.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use tokio::sync::watch;

use super::{OrderLine, OrderRecord};

/// An order as read for its waiters: the record and its lines.
pub type OrderRead = Arc<(OrderRecord, Vec<OrderLine>)>;

/// The orders being waited on.
#[derive(Default)]
pub struct OrderWatch {
    orders: Mutex<HashMap<String, Arc<Watched>>>,
    /// Waiters asleep now (registered, read, and waiting for a change).
    asleep: std::sync::atomic::AtomicUsize,
}

struct Watched {
    version: watch::Sender<u64>,
    waiters: Mutex<usize>,
    /// The last read, with the version it was read at.
    read: tokio::sync::Mutex<Option<(u64, OrderRead)>>,
}

impl OrderWatch {
    /// Order `id` changed: its waiters wake. Nothing to do (no lock held long, no allocation)
    /// when nobody waits on it.
    pub fn changed(&self, id: &str) {
        let watched = self
            .orders
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
            .cloned();
        if let Some(w) = watched {
            w.version.send_modify(|v| *v += 1);
        }
    }

    /// Every waited-on order changed (after a lost `LISTEN` connection: a change may have been
    /// missed).
    pub fn changed_all(&self) {
        let all: Vec<Arc<Watched>> = self
            .orders
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .cloned()
            .collect();
        for w in all {
            w.version.send_modify(|v| *v += 1);
        }
    }

    /// Starts waiting on order `id`; the wait ends when the returned [`Waiter`] is dropped.
    pub fn wait_on(self: &Arc<Self>, id: &str) -> Waiter {
        let mut orders = self.orders.lock().unwrap_or_else(|e| e.into_inner());
        let watched = Arc::clone(orders.entry(id.to_owned()).or_insert_with(|| {
            Arc::new(Watched {
                version: watch::Sender::new(0),
                waiters: Mutex::new(0),
                read: tokio::sync::Mutex::new(None),
            })
        }));
        *watched.waiters.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        drop(orders);
        Waiter {
            registry: Arc::clone(self),
            id: id.to_owned(),
            version: watched.version.subscribe(),
            watched,
            asleep: false,
        }
    }

    /// How many requests are asleep waiting on orders in this process.
    pub fn waiting(&self) -> usize {
        self.asleep.load(Ordering::Relaxed)
    }
}

/// One request waiting on one order.
pub struct Waiter {
    registry: Arc<OrderWatch>,
    id: String,
    version: watch::Receiver<u64>,
    watched: Arc<Watched>,
    /// Whether it has gone to sleep (counted in [`OrderWatch::waiting`]).
    asleep: bool,
}

impl Waiter {
    /// Waits until the order changes (or the registry goes away).
    pub async fn changed(&mut self) {
        if !self.asleep {
            self.asleep = true;
            self.registry.asleep.fetch_add(1, Ordering::Relaxed);
        }
        if self.version.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }

    /// The order as it is now: read by the first of its waiters to ask after a change, shared
    /// by the others.
    pub async fn read<E, F, Fut>(&mut self, read: F) -> Result<Option<OrderRead>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Option<(OrderRecord, Vec<OrderLine>)>, E>>,
    {
        let version = *self.version.borrow_and_update();
        let mut last = self.watched.read.lock().await;
        if let Some((v, order)) = last.as_ref()
            && *v == version
        {
            return Ok(Some(Arc::clone(order)));
        }
        let Some(order) = read().await? else {
            return Ok(None);
        };
        let order = Arc::new(order);
        *last = Some((version, Arc::clone(&order)));
        Ok(Some(order))
    }
}

impl Drop for Waiter {
    fn drop(&mut self) {
        if self.asleep {
            self.registry.asleep.fetch_sub(1, Ordering::Relaxed);
        }
        let mut orders = self
            .registry
            .orders
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let mut waiters = self
            .watched
            .waiters
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        *waiters -= 1;
        if *waiters == 0 {
            orders.remove(&self.id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn waiters_wake_on_their_order_and_leave_no_entry() {
        let watch = Arc::new(OrderWatch::default());
        let mut a = watch.wait_on("a");
        let b = watch.wait_on("b");
        watch.changed("b");
        watch.changed("nobody");
        let woke = tokio::time::timeout(std::time::Duration::from_millis(50), a.changed()).await;
        assert!(woke.is_err(), "another order's change does not wake it");
        assert_eq!(watch.waiting(), 1, "a is asleep, b never slept");
        watch.changed("a");
        tokio::time::timeout(std::time::Duration::from_secs(5), a.changed())
            .await
            .expect("woken");
        drop(a);
        drop(b);
        assert_eq!(watch.waiting(), 0);
        assert!(watch.orders.lock().unwrap().is_empty());
    }
}
