//! The handle of a running receiver.

use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Receiving in the background. [`Serving::shutdown`] stops taking new deliveries, lets the
/// one being handled finish and waits; dropping the handle stops the tasks too.
#[derive(Debug)]
pub struct Serving {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Serving {
    pub(crate) fn new() -> (Serving, watch::Receiver<bool>) {
        let (stop, rx) = watch::channel(false);
        (
            Serving {
                stop,
                tasks: Vec::new(),
            },
            rx,
        )
    }

    pub(crate) fn push(&mut self, task: JoinHandle<()>) {
        self.tasks.push(task);
    }

    /// A receiver that resolves when shutdown is asked for, for tasks started later.
    #[allow(dead_code)]
    pub(crate) fn stop_signal(&self) -> watch::Receiver<bool> {
        self.stop.subscribe()
    }

    /// Stops receiving and waits for the tasks to finish.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        for t in self.tasks.drain(..) {
            let _ = t.await;
        }
    }

    /// Whether every task has ended (after a shutdown, or a fatal error that was logged).
    pub fn is_finished(&self) -> bool {
        self.tasks.iter().all(JoinHandle::is_finished)
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// Resolves once `stop` says so (or its sender is gone).
pub(crate) async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}
