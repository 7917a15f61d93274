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
    request_self(addr, "POST", path, bearer, false)
        .await
        .map(|(status, _)| status)
}

/// A minimal HTTP/1.1 request with an empty body to this server (`connection:
/// close`), as an outside client would send it, so it goes through routing, limits
/// and logging; returns the status and, with `read_body`, everything after the head.
pub(super) async fn request_self(
    addr: SocketAddr,
    method: &str,
    path: &str,
    bearer: Option<&str>,
    read_body: bool,
) -> std::io::Result<(u16, String)> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    let auth = bearer
        .map(|b| format!("authorization: Bearer {b}\r\n"))
        .unwrap_or_default();
    // A body is read as HTTP/1.0, so the server delimits it by closing the
    // connection instead of chunking it (RFC 9112 §6.3), and it needs no decoding.
    let version = if read_body { "HTTP/1.0" } else { "HTTP/1.1" };
    let request = format!(
        "{method} {path} {version}\r\nhost: {addr}\r\n{auth}content-length: 0\r\nuser-agent: council-host-scheduler\r\nconnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await?;
    let mut response = Vec::new();
    if read_body {
        stream.read_to_end(&mut response).await?;
    } else {
        let mut buffer = [0u8; 1024];
        while !response.windows(2).any(|w| w == b"\r\n") {
            let n = stream.read(&mut buffer).await?;
            if n == 0 {
                break;
            }
            response.extend_from_slice(&buffer[..n]);
        }
    }
    let text = String::from_utf8_lossy(&response);
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| {
            std::io::Error::other(format!(
                "unexpected response: {}",
                text.lines().next().unwrap_or("")
            ))
        })?;
    let body = text
        .split_once("\r\n\r\n")
        .map_or(String::new(), |(_, body)| body.to_string());
    Ok((status, body))
}

/// The answers of every `[component.x.tool.council-host] metrics` route, each fetched
/// from this server with its bearer token, for the admin listener's `/metrics`. A
/// route that fails is a comment line naming it (a scrape never fails for it).
pub(super) async fn application_metrics(app: &App, local_addr: SocketAddr) -> String {
    let mut out = String::new();
    for (id, decl) in &app.manifest.components {
        if !app.components.contains_key(id) {
            continue;
        }
        for source in &decl.metrics {
            let bearer = match &source.bearer_variable {
                None => None,
                Some(name) => app.variables.get(name).ok().map(|v| v.trim().to_string()),
            };
            match request_self(local_addr, "GET", &source.path, bearer.as_deref(), true).await {
                Ok((200, body)) => out.push_str(&body),
                Ok((status, _)) => {
                    out.push_str(&format!("# {id} {}: answered {status}\n", source.path));
                }
                Err(e) => out.push_str(&format!("# {id} {}: {e}\n", source.path)),
            }
        }
    }
    out
}
