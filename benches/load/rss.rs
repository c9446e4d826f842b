//! The server's resident memory, from `/proc/PID/status`: now, and the peak of each phase
//! (sampled every 10 ms, and the kernel's own high-water mark, reset at each phase's start).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// Resident set size of `pid` in bytes (`VmRSS`), or `VmHWM` for the peak.
fn read(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
        .map_or(0, |kb| kb * 1024)
}

pub fn now(pid: u32) -> u64 {
    read(pid, "VmRSS:")
}

pub fn mb(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// Writing 5 to `clear_refs` resets the kernel's `VmHWM` (Linux 4.0+; needs permission).
fn reset_high_water_mark(pid: u32) -> bool {
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").is_ok()
}

/// Samples a process's RSS in the background, keeping the highest value since the last
/// [`Watch::phase`].
pub struct Watch {
    pid: u32,
    peak: Arc<AtomicU64>,
    /// Whether the kernel's high-water mark can be reset (else only the samples count).
    hwm: bool,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Watch {
    pub fn start(pid: u32) -> Self {
        let peak = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (peak, stop) = (Arc::clone(&peak), Arc::clone(&stop));
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    peak.fetch_max(now(pid), Ordering::Relaxed);
                    std::thread::sleep(Duration::from_millis(10)); // sampling interval
                }
            })
        };
        Self {
            pid,
            peak,
            hwm: reset_high_water_mark(pid),
            stop,
            thread: Some(thread),
        }
    }

    /// The peak since the last call (the higher of the samples and the kernel's mark), and
    /// starts a new phase.
    pub fn phase(&self) -> u64 {
        let mut peak = self.peak.swap(now(self.pid), Ordering::Relaxed);
        if self.hwm {
            peak = peak.max(read(self.pid, "VmHWM:"));
            reset_high_water_mark(self.pid);
        }
        peak
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
