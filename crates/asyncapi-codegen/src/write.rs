//! Writing a generated crate to its folder, or checking that the folder is up to date.
//! Only files inside the folder are touched; files the generator no longer produces are
//! deleted (in check mode, reported).

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

/// Write the files, or only compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMode {
    Write,
    Check,
}

/// One difference between what is generated and what is on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Created(PathBuf),
    Updated(PathBuf),
    Deleted(PathBuf),
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Change::Created(p) => write!(f, "missing: {}", p.display()),
            Change::Updated(p) => write!(f, "stale: {}", p.display()),
            Change::Deleted(p) => write!(f, "extra: {}", p.display()),
        }
    }
}

fn is_safe(rel: &str) -> bool {
    let p = Path::new(rel);
    !rel.is_empty() && p.components().all(|c| matches!(c, Component::Normal(_)))
}

/// Writes (or checks) `files` under `dir`. Returns every change made or needed.
pub fn write(
    dir: &Path,
    files: &BTreeMap<String, String>,
    mode: WriteMode,
) -> std::io::Result<Vec<Change>> {
    let mut changes = Vec::new();
    for (rel, content) in files {
        if !is_safe(rel) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("refusing to write outside the output folder: {rel}"),
            ));
        }
        let path = dir.join(rel);
        match std::fs::read(&path) {
            Ok(existing) if existing == content.as_bytes() => {}
            Ok(_) => changes.push(Change::Updated(path.clone())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                changes.push(Change::Created(path.clone()))
            }
            Err(e) => return Err(e),
        }
    }
    // Files the generator no longer produces. `target/` and dotfiles are not ours.
    let mut existing = Vec::new();
    if dir.exists() {
        list(dir, dir, &mut existing)?;
    }
    for rel in existing {
        let key = rel.to_string_lossy().replace('\\', "/");
        if !files.contains_key(&key) {
            changes.push(Change::Deleted(dir.join(&rel)));
        }
    }
    if mode == WriteMode::Write {
        for change in &changes {
            match change {
                Change::Created(p) | Change::Updated(p) => {
                    if let Some(parent) = p.parent() {
                        std::fs::create_dir_all(parent)?;
                    }
                    let rel = p
                        .strip_prefix(dir)
                        .unwrap_or(p)
                        .to_string_lossy()
                        .replace('\\', "/");
                    std::fs::write(p, files[&rel].as_bytes())?;
                }
                Change::Deleted(p) => std::fs::remove_file(p)?,
            }
        }
    }
    Ok(changes)
}

fn list(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') || (dir == root && (name == "target" || name == "Cargo.lock")) {
            continue;
        }
        let path = e.path();
        if e.file_type()?.is_dir() {
            list(root, &path, out)?;
        } else {
            out.push(path.strip_prefix(root).unwrap_or(&path).to_path_buf());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_then_check_then_detect_stale_and_extra() {
        let dir = tempfile::tempdir().unwrap();
        let mut files = BTreeMap::new();
        files.insert("src/lib.rs".to_owned(), "a".to_owned());
        files.insert("Cargo.toml".to_owned(), "b".to_owned());
        assert_eq!(
            write(dir.path(), &files, WriteMode::Write).unwrap().len(),
            2
        );
        assert!(
            write(dir.path(), &files, WriteMode::Check)
                .unwrap()
                .is_empty()
        );
        std::fs::write(dir.path().join("src/old.rs"), "x").unwrap();
        files.insert("src/lib.rs".to_owned(), "changed".to_owned());
        let changes = write(dir.path(), &files, WriteMode::Check).unwrap();
        assert_eq!(
            changes,
            vec![
                Change::Updated(dir.path().join("src/lib.rs")),
                Change::Deleted(dir.path().join("src/old.rs"))
            ]
        );
        write(dir.path(), &files, WriteMode::Write).unwrap();
        assert!(!dir.path().join("src/old.rs").exists());
        assert!(
            write(dir.path(), &files, WriteMode::Check)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn refuses_paths_outside_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        let mut files = BTreeMap::new();
        files.insert("../escape.rs".to_owned(), String::new());
        assert!(write(dir.path(), &files, WriteMode::Write).is_err());
        files.clear();
        files.insert("/abs.rs".to_owned(), String::new());
        assert!(write(dir.path(), &files, WriteMode::Write).is_err());
    }
}
