//! The data directory holds live session ids, the master key and the simulator's admin keys: only
//! the panel's own user may read it. The process creates every file owner-only (umask 077), and a
//! directory made by an earlier version is tightened at start.

use anyhow::Context as _;
use std::path::Path;

pub fn prepare(dir: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // SAFETY: umask only changes the calling process's file-creation mask; it cannot fail.
        unsafe {
            libc::umask(0o077);
        }
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).with_context(|| format!("securing {}", dir.display()))?;
        for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
            let path = entry?.path();
            if path.is_file() {
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
                    .with_context(|| format!("securing {}", path.display()))?;
            }
        }
    }
    #[cfg(not(unix))]
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn the_directory_and_its_files_are_for_the_owner_only() {
        let dir = std::env::temp_dir().join(format!("zenith-data-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::write(dir.join("old.db"), b"x").unwrap();
        std::fs::set_permissions(dir.join("old.db"), std::fs::Permissions::from_mode(0o644)).unwrap();
        prepare(&dir).unwrap();
        assert_eq!(std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777, 0o700);
        assert_eq!(std::fs::metadata(dir.join("old.db")).unwrap().permissions().mode() & 0o777, 0o600);
        std::fs::write(dir.join("new.file"), b"x").unwrap();
        assert_eq!(std::fs::metadata(dir.join("new.file")).unwrap().permissions().mode() & 0o077, 0, "new files are private too");
        std::fs::remove_dir_all(dir).ok();
    }
}
