//! The invocation hand-off between a function's two sides: [`super::FunctionHost::invoke`] offers one
//! invocation at a time and waits for its outcome; the process takes it through the Runtime API's
//! `next` ([`super::runtime_api`]) and answers with `response` or `error`. Both sides meet here, so
//! neither knows the other: the pending invocation (meant for one process generation), the one in
//! flight with the channel its outcome goes back on, and when the current process started and first
//! asked (its init duration).

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use parking_lot::Mutex;
use tokio::sync::{Notify, oneshot};

use super::Outcome;

/// Milliseconds since the epoch.
pub(crate) fn epoch_ms(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

/// An invocation waiting for the process to ask for it.
struct Pending {
    request_id: String,
    payload: Bytes,
    deadline_ms: u64,
    generation: u64,
    reply: oneshot::Sender<Outcome>,
}

/// The invocation the process is working on.
pub(crate) struct InFlight {
    /// The invocation's request id.
    pub(crate) request_id: String,
    generation: u64,
    /// When the process took it.
    pub(crate) started: Instant,
    /// The process's init duration, on the first invocation it took.
    pub(crate) init: Option<Duration>,
    reply: oneshot::Sender<Outcome>,
}

impl InFlight {
    /// Sends the invocation's outcome to the waiting `invoke`.
    pub(crate) fn reply(self, outcome: Outcome) {
        let _ = self.reply.send(outcome);
    }
}

/// What the Runtime API hands the process on `next`.
pub(crate) struct Invocation {
    pub(crate) request_id: String,
    pub(crate) payload: Bytes,
    pub(crate) deadline_ms: u64,
}

/// The current process, as the hand-off sees it.
#[derive(Default)]
struct Process {
    generation: u64,
    pid: Option<u32>,
    spawned_at: Option<Instant>,
    init: Option<Duration>,
    init_reported: bool,
}

/// The hand-off of one function.
#[derive(Default)]
pub(crate) struct Handoff {
    slot: Mutex<Option<Pending>>,
    available: Notify,
    in_flight: Mutex<Option<InFlight>>,
    process: Mutex<Process>,
    closed: AtomicBool,
}

impl Handoff {
    /// Starts process `generation` with `spawn` (which returns it and its id): invocations go to it,
    /// its init is timed from when it was spawned. No `next` reads the current process meanwhile, so
    /// the new process's first `next` already finds itself current.
    pub(crate) fn begin<T>(
        &self,
        generation: u64,
        spawn: impl FnOnce() -> std::io::Result<(T, Option<u32>)>,
    ) -> std::io::Result<T> {
        let mut process = self.process.lock();
        let (spawned, pid) = spawn()?;
        *process = Process {
            generation,
            pid,
            spawned_at: Some(Instant::now()),
            init: None,
            init_reported: false,
        };
        Ok(spawned)
    }

    /// The current process's id (for its peak memory).
    pub(crate) fn pid(&self) -> Option<u32> {
        self.process.lock().pid
    }

    /// Offers an invocation, due within `timeout`, to process `generation` and wakes its waiting
    /// `next`; the receiver gets the outcome.
    pub(crate) fn offer(
        &self,
        request_id: String,
        payload: Bytes,
        timeout: Duration,
        generation: u64,
    ) -> oneshot::Receiver<Outcome> {
        let (reply, answer) = oneshot::channel();
        *self.slot.lock() = Some(Pending {
            request_id,
            payload,
            deadline_ms: epoch_ms(SystemTime::now() + timeout),
            generation,
            reply,
        });
        self.available.notify_waiters();
        answer
    }

    /// The invocation timed out: withdraws it whether or not the process took it; returns it if it
    /// did (for its report).
    pub(crate) fn withdraw(&self) -> Option<InFlight> {
        self.slot.lock().take();
        self.in_flight.lock().take()
    }

    /// Takes the invocation process `generation` was working on, if any (the process is gone).
    pub(crate) fn take_in_flight_of(&self, generation: u64) -> Option<InFlight> {
        self.in_flight
            .lock()
            .take_if(|current| current.generation == generation)
    }

    /// Answers `outcome` to an invocation meant for process `generation` that it never picked up (it
    /// died during init).
    pub(crate) fn fail_pending_of(&self, generation: u64, outcome: Outcome) {
        let pending = self.slot.lock().take_if(|pending| pending.generation == generation);
        if let Some(pending) = pending {
            let _ = pending.reply.send(outcome);
        }
    }

    /// Wakes every waiting `next`, so that one left over from a process that is gone ends.
    pub(crate) fn wake(&self) {
        self.available.notify_waiters();
    }

    /// The function is shut down: every waiting `next`, and any later one, ends without an
    /// invocation.
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        self.available.notify_waiters();
    }

    /// Waits for the next invocation of the current process (the Runtime API's `next`) and marks it
    /// in flight; `None` when the process that asked is gone or the function is shut down.
    pub(crate) async fn next(&self) -> Option<Invocation> {
        let generation = {
            let mut process = self.process.lock();
            if process.init.is_none()
                && let Some(spawned) = process.spawned_at
            {
                process.init = Some(spawned.elapsed());
            }
            process.generation
        };
        let pending = loop {
            let notified = self.available.notified();
            if let Some(pending) = self.slot.lock().take_if(|p| p.generation == generation) {
                break pending;
            }
            if self.closed.load(Ordering::SeqCst) || self.process.lock().generation != generation {
                return None;
            }
            notified.await;
        };
        let init = {
            let mut process = self.process.lock();
            if process.init_reported {
                None
            } else {
                process.init_reported = true;
                process.init
            }
        };
        *self.in_flight.lock() = Some(InFlight {
            request_id: pending.request_id.clone(),
            generation,
            started: Instant::now(),
            init,
            reply: pending.reply,
        });
        Some(Invocation {
            request_id: pending.request_id,
            payload: pending.payload,
            deadline_ms: pending.deadline_ms,
        })
    }

    /// The process answered `request_id` (`response` or `error`): the invocation, for its report
    /// and its reply; `None` when it is not the one in flight.
    pub(crate) fn complete(&self, request_id: &str) -> Option<InFlight> {
        self.in_flight
            .lock()
            .take_if(|current| current.request_id == request_id)
    }
}
