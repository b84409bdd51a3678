//! Writing a generated crate to its folder, or checking that the folder is up to date.
//! Only files inside the folder are touched; files the generator no longer produces are
//! deleted (in check mode, reported). A folder that holds files is only written when it is
//! one the generator wrote before (its `Cargo.toml` starts with [`MARKER`]), so pointing
//! `--out` at the wrong folder never deletes anyone's work.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use crate::vendor::MARKER;

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
    check_ownership(dir)?;
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

/// Refuses a folder that holds files but was not written by the generator.
fn check_ownership(dir: &Path) -> std::io::Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    let mut occupied = false;
    for e in entries {
        let name = e?.file_name();
        let name = name.to_string_lossy();
        if !(name.starts_with('.') || name == "target" || name == "Cargo.lock") {
            occupied = true;
            break;
        }
    }
    if !occupied {
        return Ok(());
    }
    let ours = std::fs::read_to_string(dir.join("Cargo.toml")).is_ok_and(|t| t.starts_with(MARKER));
    if ours {
        Ok(())
    } else {
        Err(std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            format!(
                "the folder holds files and is not a crate asyncapi-gen wrote (its Cargo.toml does not start with `{MARKER}`), so nothing was written; choose a new or empty folder"
            ),
        ))
    }
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
        files.insert("Cargo.toml".to_owned(), format!("{MARKER} from x.yaml\n"));
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
    fn never_writes_into_a_folder_it_did_not_write() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("notes.txt"), "mine").unwrap();
        let mut files = BTreeMap::new();
        files.insert("Cargo.toml".to_owned(), format!("{MARKER} from x.yaml\n"));
        for mode in [WriteMode::Write, WriteMode::Check] {
            let err = write(dir.path(), &files, mode).unwrap_err();
            assert!(
                err.to_string()
                    .contains("is not a crate asyncapi-gen wrote"),
                "{err}"
            );
        }
        assert_eq!(
            std::fs::read_to_string(dir.path().join("notes.txt")).unwrap(),
            "mine"
        );
        // A user's own crate is just as safe.
        std::fs::write(dir.path().join("Cargo.toml"), "[package]\n").unwrap();
        assert!(write(dir.path(), &files, WriteMode::Write).is_err());
        // An empty folder, or one with only dotfiles and build output, is fine.
        let empty = tempfile::tempdir().unwrap();
        std::fs::create_dir(empty.path().join("target")).unwrap();
        std::fs::write(empty.path().join(".gitignore"), "target\n").unwrap();
        assert_eq!(
            write(empty.path(), &files, WriteMode::Write).unwrap().len(),
            1
        );
        assert!(empty.path().join(".gitignore").exists());
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
