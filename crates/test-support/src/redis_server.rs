//! A real `redis-server` (the Debian package, installed by `scripts/setup --tests`)
//! for tests of what several processes share: started on a free 127.0.0.1 port with
//! no persistence, stopped (killed and reaped) when dropped.

use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `redis-server`.
#[derive(Debug)]
pub struct RedisServer {
    child: Child,
    port: u16,
}

/// Why a `redis-server` could not be started.
#[derive(Debug, thiserror::Error)]
pub enum RedisServerError {
    /// `redis-server` is not installed or would not start.
    #[error("cannot run redis-server (install it with scripts/setup --tests): {0}")]
    Spawn(std::io::Error),
    /// It started but never accepted a connection.
    #[error("redis-server on port {port} did not accept connections within 10 s")]
    NotListening {
        /// The port it was given.
        port: u16,
    },
}

impl RedisServer {
    /// Starts one on a free port and waits until it accepts connections.
    pub fn start() -> Result<Self, RedisServerError> {
        // A port the kernel picked free a moment ago; another process could take it
        // in between, so a server that never listens is retried on a new port.
        let mut last_port = 0;
        for _ in 0..3 {
            let port = free_port().map_err(RedisServerError::Spawn)?;
            last_port = port;
            if let Some(child) = spawn_on(port)? {
                return Ok(Self { child, port });
            }
        }
        Err(RedisServerError::NotListening { port: last_port })
    }

    /// Stops it (as a crash would: SIGKILL, nothing saved) and starts a new, empty
    /// one on the same port, for tests of reconnecting.
    pub fn restart(&mut self) -> Result<(), RedisServerError> {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.child =
            spawn_on(self.port)?.ok_or(RedisServerError::NotListening { port: self.port })?;
        Ok(())
    }

    /// Its port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `redis://127.0.0.1:<port>/<database>`.
    pub fn url(&self, database: u32) -> String {
        format!("redis://127.0.0.1:{}/{database}", self.port)
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `redis-server` on `port`, once it accepts connections; `None` if it never does.
fn spawn_on(port: u16) -> Result<Option<Child>, RedisServerError> {
    let mut child = Command::new("redis-server")
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            // A scratch server: nothing written to disk, no background saves.
            "--save",
            "",
            "--appendonly",
            "no",
            "--protected-mode",
            "yes",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(RedisServerError::Spawn)?;
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_ok() {
            return Ok(Some(child));
        }
        if let Ok(Some(_)) = child.try_wait() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    Ok(None)
}

fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
        .local_addr()?
        .port())
}
