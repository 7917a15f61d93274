//! A read-only file of the data mount, read with `wasi:filesystem` positioned reads.
//!
//! The indexes are read with many small positioned reads (seek + read). Through
//! `std::fs::File`, wasi-libc turns each into three calls into the host: drop the
//! file's input stream, `read-via-stream` at the new offset, `blocking-read`. Here
//! each read is one call, `descriptor.read(length, offset)`, and a seek is only
//! arithmetic. The file is found through the preopened directories, as wasi-libc
//! does for `open`.

use std::io::{self, Read, Seek, SeekFrom};

use wasip2::filesystem::preopens::get_directories;
use wasip2::filesystem::types::{Descriptor, DescriptorFlags, OpenFlags, PathFlags};

/// An open file of a preopened directory, with its own position.
#[derive(Debug)]
pub struct DataFile {
    fd: Descriptor,
    pos: u64,
    len: u64,
}

impl DataFile {
    /// Opens `path` (absolute, under a preopened directory such as `/data`) for
    /// reading.
    pub fn open(path: &str) -> io::Result<DataFile> {
        // The longest preopen that is a directory prefix of the path, as wasi-libc.
        let mut best: Option<(Descriptor, String)> = None;
        for (dir, mount) in get_directories() {
            let Some(rest) = relative(path, &mount) else {
                continue;
            };
            if best.as_ref().is_none_or(|(_, r)| rest.len() < r.len()) {
                best = Some((dir, rest.to_string()));
            }
        }
        let Some((dir, rest)) = best else {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("{path} is not under a preopened directory"),
            ));
        };
        let fd = dir
            .open_at(
                PathFlags::SYMLINK_FOLLOW,
                &rest,
                OpenFlags::empty(),
                DescriptorFlags::READ,
            )
            .map_err(error)?;
        let len = fd.stat().map_err(error)?.size;
        Ok(DataFile { fd, pos: 0, len })
    }
}

/// `path` relative to the preopen `mount`, if it lies under it.
fn relative<'a>(path: &'a str, mount: &str) -> Option<&'a str> {
    let mount = mount.trim_end_matches('/');
    let rest = path.strip_prefix(mount)?;
    if mount.is_empty() || rest.is_empty() || rest.starts_with('/') {
        Some(rest.trim_start_matches('/'))
    } else {
        None
    }
}

fn error(e: wasip2::filesystem::types::ErrorCode) -> io::Error {
    io::Error::other(format!(
        "{} ({})",
        e.message().trim_end_matches('.'),
        e.name()
    ))
}

impl Read for DataFile {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() || self.pos >= self.len {
            return Ok(0);
        }
        let (bytes, _end) = self.fd.read(buf.len() as u64, self.pos).map_err(error)?;
        let n = bytes.len().min(buf.len());
        buf[..n].copy_from_slice(&bytes[..n]);
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for DataFile {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let pos = match to {
            SeekFrom::Start(p) => Some(p),
            SeekFrom::End(d) => self.len.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        self.pos = pos
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek before the start"))?;
        Ok(self.pos)
    }
}

#[cfg(test)]
mod tests {
    use super::relative;

    #[test]
    fn a_path_under_a_mount_is_relative_to_it() {
        assert_eq!(relative("/data/address.idx", "/data"), Some("address.idx"));
        assert_eq!(relative("/data/address.idx", "/data/"), Some("address.idx"));
        assert_eq!(
            relative("/data/rules/a.toml", "/data"),
            Some("rules/a.toml")
        );
        assert_eq!(relative("/data", "/data"), Some(""));
    }

    #[test]
    fn the_root_mount_holds_every_absolute_path() {
        assert_eq!(relative("/data/address.idx", "/"), Some("data/address.idx"));
    }

    #[test]
    fn a_mount_is_a_whole_directory_not_a_name_prefix() {
        assert_eq!(relative("/database/x", "/data"), None);
        assert_eq!(relative("/other/x", "/data"), None);
    }
}
