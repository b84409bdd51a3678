//! Where the journal position is kept between polls and across restarts.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use crate::BoxFuture;

/// A position store that failed.
#[derive(Debug, thiserror::Error)]
pub enum PositionError {
    /// Reading or writing failed.
    #[error("position store I/O error: {0}")]
    Io(#[from] io::Error),
    /// The stored position cannot be read back.
    #[error("stored position is corrupt: {0}")]
    Corrupt(String),
    /// The store cannot be reached now (a database down or restarting); polling again
    /// later may succeed.
    #[error("position store unavailable: {0}")]
    Unavailable(String),
    /// The commit was refused because this poller no longer holds the registration's
    /// [`Lease`](super::Lease): another poller may have moved the position on.
    #[error("position not committed: {0}")]
    Fenced(String),
}

/// Keeps the journal position across restarts.
pub trait PositionStore: Send + Sync {
    /// The last committed position, `None` when nothing was committed yet.
    fn load(&self) -> BoxFuture<'_, Result<Option<String>, PositionError>>;
    /// Durably records `position`: once this returns `Ok`, a crash does not lose it.
    fn commit<'a>(&'a self, position: &'a str) -> BoxFuture<'a, Result<(), PositionError>>;
}

/// A position in memory (lost when the process ends), for tests and throw-away consumers.
#[derive(Debug, Default)]
pub struct MemoryPositionStore(Mutex<Option<String>>);

impl MemoryPositionStore {
    /// A store holding `position`.
    pub fn new(position: Option<String>) -> Self {
        MemoryPositionStore(Mutex::new(position))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<String>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl PositionStore for MemoryPositionStore {
    fn load(&self) -> BoxFuture<'_, Result<Option<String>, PositionError>> {
        Box::pin(std::future::ready(Ok(self.lock().clone())))
    }
    fn commit<'a>(&'a self, position: &'a str) -> BoxFuture<'a, Result<(), PositionError>> {
        *self.lock() = Some(position.to_owned());
        Box::pin(std::future::ready(Ok(())))
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct PositionFile {
    position: String,
}

/// The default position store: a small JSON file (`{"position": "..."}`), replaced
/// atomically on each commit (written to a temporary file in the same folder, flushed to
/// disk, renamed over the old one, then the folder itself flushed), so that a crash leaves
/// either the old or the new position, never a torn one.
#[derive(Debug, Clone)]
pub struct FilePositionStore {
    path: PathBuf,
}

impl FilePositionStore {
    /// A store at `path` (its folder must exist).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FilePositionStore { path: path.into() }
    }

    /// Where the position is kept.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

fn read_position(path: &Path) -> Result<Option<String>, PositionError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let file: PositionFile = serde_json::from_slice(&bytes)
        .map_err(|e| PositionError::Corrupt(format!("{}: {e}", path.display())))?;
    Ok(Some(file.position))
}

static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Writes `data` to `path` atomically and durably.
fn write_atomic(path: &Path, data: &[u8]) -> io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "position path has no file name",
        )
    })?;
    let tmp = dir.join(format!(
        ".{}.{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id(),
        TMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        f.write_all(data)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path)?;
        sync_dir(&dir)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

fn join_error(e: tokio::task::JoinError) -> PositionError {
    PositionError::Io(io::Error::other(format!("position store task failed: {e}")))
}

impl PositionStore for FilePositionStore {
    fn load(&self) -> BoxFuture<'_, Result<Option<String>, PositionError>> {
        let path = self.path.clone();
        Box::pin(async move {
            tokio::task::spawn_blocking(move || read_position(&path))
                .await
                .map_err(join_error)?
        })
    }

    fn commit<'a>(&'a self, position: &'a str) -> BoxFuture<'a, Result<(), PositionError>> {
        let path = self.path.clone();
        let data = serde_json::to_vec(&PositionFile {
            position: position.to_owned(),
        });
        Box::pin(async move {
            let data = data.map_err(|e| PositionError::Corrupt(e.to_string()))?;
            // The blocking task runs to its end even if this future is dropped: the rename
            // is then either done or not, never half done.
            tokio::task::spawn_blocking(move || write_atomic(&path, &data))
                .await
                .map_err(join_error)?
                .map_err(PositionError::Io)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn file_position_store_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let store = FilePositionStore::new(dir.path().join("pos.json"));
        assert_eq!(store.load().await.unwrap(), None);
        store.commit("camel:1").await.unwrap();
        store.commit("moose:2").await.unwrap();
        assert_eq!(store.load().await.unwrap().as_deref(), Some("moose:2"));
        // No temporary files are left behind.
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["pos.json"]);
        std::fs::write(dir.path().join("pos.json"), b"{torn").unwrap();
        assert!(matches!(store.load().await, Err(PositionError::Corrupt(_))));
        let missing = FilePositionStore::new(dir.path().join("no/such/dir/pos.json"));
        assert!(missing.commit("x").await.is_err());
    }
}
