//! Scheduled requests (`[component.x.tool.council-host] schedule`): timers that `POST`
//! to the server itself, as an outside scheduler (cron, a systemd timer) would.

use std::net::SocketAddr;
use std::sync::Arc;

use crate::serve::runtime::App;

/// Starts the timers of `[component.x.tool.council-host] schedule`: each `POST`s its
/// path to this server, as an outside scheduler would, so the request goes through
/// routing, limits and logging like any other.
pub(super) fn spawn_schedules(
    app: &Arc<App>,
    local_addr: SocketAddr,
) -> Vec<tokio::task::JoinHandle<()>> {
    let mut tasks = Vec::new();
    for (id, decl) in &app.manifest.components {
        if !app.components.contains_key(id) {
            continue;
        }
        for entry in &decl.schedule {
            let bearer = match &entry.bearer_variable {
                None => None,
                Some(name) => match app.variables.get(name) {
                    Ok(value) if !value.trim().is_empty() => Some(value.to_string()),
                    Ok(_) => {
                        tracing::error!(
                            component = %id,
                            path = %entry.path,
                            "schedule disabled: the variable `{name}` it authenticates with is empty; set SPIN_VARIABLE_{}",
                            name.to_uppercase()
                        );
                        continue;
                    }
                    Err(e) => {
                        tracing::error!(component = %id, path = %entry.path, error = %e, "schedule disabled");
                        continue;
                    }
                },
            };
            let entry = entry.clone();
            let id = id.clone();
            tracing::info!(component = %id, path = %entry.path, every_s = entry.every.as_secs(), "scheduled request");
            tasks.push(tokio::spawn(async move {
                let mut interval = tokio::time::interval(entry.every);
                interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    interval.tick().await;
                    match post_to_self(local_addr, &entry.path, bearer.as_deref()).await {
                        Ok(status) if (200..300).contains(&status) => {}
                        Ok(status) => tracing::warn!(component = %id, path = %entry.path, status, "scheduled request failed"),
                        Err(e) => tracing::warn!(component = %id, path = %entry.path, error = %e, "scheduled request failed"),
                    }
                }
            }));
        }
    }
    tasks
}

/// A minimal HTTP/1.1 `POST` with an empty body; returns the status code.
async fn post_to_self(addr: SocketAddr, path: &str, bearer: Option<&str>) -> std::io::Result<u16> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    let auth = bearer
        .map(|b| format!("authorization: Bearer {b}\r\n"))
        .unwrap_or_default();
    let request = format!(
        "POST {path} HTTP/1.1\r\nhost: {addr}\r\n{auth}content-length: 0\r\nuser-agent: council-host-scheduler\r\nconnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await?;
    let mut head = Vec::new();
    let mut buffer = [0u8; 1024];
    while !head.windows(2).any(|w| w == b"\r\n") {
        let n = stream.read(&mut buffer).await?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buffer[..n]);
    }
    let line = String::from_utf8_lossy(&head);
    line.split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| {
            std::io::Error::other(format!(
                "unexpected response: {}",
                line.lines().next().unwrap_or("")
            ))
        })
}
