//! Hostile traffic against the real `council-host` on 127.0.0.1, as an IT Health Check
//! would try it (docs/SECURITY.md): each test runs one attack, bounded in connections
//! and time, checks that it no longer works, and that normal requests made during
//! the attack are answered within 2 s.
//!
//! Attackers connect from other loopback addresses (127.0.0.2, 127.0.0.3: all of
//! 127.0.0.0/8 reaches the host on Linux) so that the host's per-client limits apply
//! to them and not to the normal client on 127.0.0.1.
//!
//! The Report speeding traffic attacks (the staff token, duplicate deliveries, draft
//! floods) and the contacts amplifier are in `report_speeding/` and `contacts.rs`.

use std::io::{ErrorKind, Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::support::{self, HostProcess};

const ATTACKER: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
const SECOND_ATTACKER: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 3));

fn manifest(name: &str) -> PathBuf {
    let dir = support::scratch_dir(name);
    let manifest = dir.join("spin.toml");
    support::write(
        &manifest,
        &format!(
            r#"spin_manifest_version = 2
[application]
name = "{name}"
[[trigger.http]]
route = "/probe/..."
component = "probe"
[[trigger.http]]
route = "/hello"
component = "hello"
[component.probe]
source = "{probe}"
key_value_stores = ["default"]
[component.hello]
source = "{hello}"
"#,
            probe = support::component("guest-probe").display(),
            hello = support::component("guest-hello").display(),
        ),
    );
    manifest
}

/// A TCP connection to `addr` from `source` (port chosen by the kernel).
fn connect_from(source: IpAddr, addr: SocketAddr) -> std::io::Result<TcpStream> {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)?;
    socket.bind(&SocketAddr::new(source, 0).into())?;
    socket.connect_timeout(&addr.into(), Duration::from_secs(2))?;
    let stream: TcpStream = socket.into();
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    Ok(stream)
}

/// Reads what the server sends until it closes the connection (or `within` passes);
/// the status code, if a response head came.
fn read_reply(stream: &mut TcpStream, within: Duration) -> (Option<u16>, String) {
    let _ = stream.set_read_timeout(Some(within));
    let mut text = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => text.extend_from_slice(&buffer[..n]),
            Err(_) => break,
        }
    }
    let text = String::from_utf8_lossy(&text).into_owned();
    let status = text
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok());
    (status, text)
}

/// Whether the server has closed the connection (a read gives end of file or an
/// error, rather than waiting).
fn closed_by_server(mut stream: &TcpStream) -> bool {
    let _ = stream.set_read_timeout(Some(Duration::from_millis(50)));
    let mut buffer = [0u8; 4096];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return false;
            }
            Err(_) => return true,
        }
    }
}

/// A normal client's request: it must be answered, with `expected`, within 2 s.
fn normal_request(host: &HostProcess, path: &str, expected: u16) {
    let started = Instant::now();
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(2))
        .build();
    let reply = match agent.get(&host.url(path)).call() {
        Ok(response) => response.status(),
        Err(ureq::Error::Status(code, _)) => code,
        Err(e) => panic!(
            "a normal request to {path} failed after {:?} during the attack: {e}\nhost log:\n{}",
            started.elapsed(),
            host.log()
        ),
    };
    assert_eq!(reply, expected, "{path}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{path} took {:?}",
        started.elapsed()
    );
}

/// A normal POST with a body, answered within 2 s.
fn normal_post(host: &HostProcess) {
    let started = Instant::now();
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(2))
        .build();
    let reply = agent
        .post(&host.url("/probe/body"))
        .send_bytes(&[b'x'; 1000])
        .unwrap_or_else(|e| {
            panic!(
                "a normal POST failed during the attack: {e}\nhost log:\n{}",
                host.log()
            )
        });
    assert_eq!(reply.status(), 200);
    assert!(started.elapsed() < Duration::from_secs(2));
}

/// Issue 10, item 1: 200 POSTs that declare 1,000 bytes and drip one byte every 2 s
/// held every instance slot, so every route answered 503.
#[test]
fn slow_request_bodies_hold_no_instance_slot() {
    let host = HostProcess::start(
        &manifest("hostile-slow-body"),
        &[
            "--admin-listen",
            "127.0.0.1:0",
            "--max-concurrent-requests",
            "8",
            "--max-connections-per-client",
            "100",
            "--body-timeout-secs",
            "4",
        ],
        &[],
    )
    .unwrap();
    // 100 from one attacker and 100 from a second; a third of each beyond the
    // per-client cap is refused at once.
    let mut drips = Vec::new();
    for source in [ATTACKER, SECOND_ATTACKER] {
        for _ in 0..100 {
            let mut stream = connect_from(source, host.addr).unwrap();
            stream
                .write_all(
                    b"POST /probe/body HTTP/1.1\r\nhost: council.example\r\ncontent-length: 1000\r\n\r\nx",
                )
                .unwrap();
            drips.push(stream);
        }
    }
    let attack_started = Instant::now();
    // Normal traffic keeps flowing while the bodies drip.
    while attack_started.elapsed() < Duration::from_secs(3) {
        for stream in &mut drips {
            let _ = stream.write_all(b"x");
        }
        normal_request(&host, "/probe/ok", 200);
        normal_post(&host);
        normal_request(&host, "/hello", 200);
        std::thread::sleep(Duration::from_millis(500));
    }
    // At the body deadline each dripping request is answered 408 and closed.
    std::thread::sleep(Duration::from_secs(2));
    let mut timed_out = 0;
    for stream in &mut drips {
        let (status, _) = read_reply(stream, Duration::from_secs(5));
        if status == Some(408) {
            timed_out += 1;
        }
    }
    assert_eq!(timed_out, drips.len(), "every dripping request got 408");
    assert!(
        host.metric("council_host_client_cutoffs_total{reason=\"slow-body\"}") >= 200.0,
        "{}",
        host.metrics()
    );
    assert!(host.log().contains("client cut off"), "{}", host.log());
    assert!(
        host.log().contains("reason=\"slow-body\""),
        "{}",
        host.log()
    );
    // No slot was ever taken by an unfinished body.
    assert_eq!(
        host.metric("council_host_client_cutoffs_total{reason=\"no-free-slot\"}"),
        0.0
    );
}

/// Issue 10, items 1 and 2: one client cannot hold every connection.
#[test]
fn one_client_cannot_hold_every_connection() {
    let host = HostProcess::start(
        &manifest("hostile-per-client"),
        &[
            "--admin-listen",
            "127.0.0.1:0",
            "--max-connections-per-client",
            "16",
            "--header-read-timeout-secs",
            "30",
        ],
        &[],
    )
    .unwrap();
    let mut opened = Vec::new();
    for _ in 0..40 {
        let mut stream = connect_from(ATTACKER, host.addr).unwrap();
        let _ = stream.write_all(b"GET /hello HTTP/1.1\r\n");
        opened.push(stream);
    }
    // Give the host time to accept (and refuse) them all before looking.
    std::thread::sleep(Duration::from_millis(500));
    let mut held = Vec::new();
    let mut refused = 0;
    for stream in opened {
        if closed_by_server(&stream) {
            refused += 1;
        } else {
            held.push(stream);
        }
    }
    assert_eq!(
        held.len(),
        16,
        "the client's first 16 connections are served"
    );
    assert_eq!(refused, 24);
    normal_request(&host, "/hello", 200);
    assert_eq!(
        host.metric("council_host_client_cutoffs_total{reason=\"too-many-client-connections\"}"),
        24.0
    );
    // A refused connection is told why.
    let mut extra = connect_from(ATTACKER, host.addr).unwrap();
    let (status, text) = read_reply(&mut extra, Duration::from_secs(2));
    assert_eq!(status, Some(503), "{text}");
    assert!(text.contains("limit of connections"), "{text}");
}

/// Issue 10, item 2: 300 unfinished request heads stayed open for ever, and with a
/// low file-descriptor limit new clients were refused.
#[test]
fn slow_request_heads_are_closed_and_a_low_fd_limit_still_serves() {
    let host = HostProcess::start_with_limit(
        &manifest("hostile-slow-head"),
        &[
            "--admin-listen",
            "127.0.0.1:0",
            "--header-read-timeout-secs",
            "2",
            "--max-connections-per-client",
            "48",
        ],
        &[],
        // 256 descriptors: the host keeps 128 and takes at most 128 connections.
        Some(256),
    )
    .unwrap();
    let mut heads = Vec::new();
    for i in 0..300 {
        let source = if i % 2 == 0 {
            ATTACKER
        } else {
            SECOND_ATTACKER
        };
        let Ok(mut stream) = connect_from(source, host.addr) else {
            continue;
        };
        let _ = stream.write_all(b"GET /hello HTTP/1.1\r\nhost: council.example\r\n");
        heads.push(stream);
    }
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(3) {
        for stream in &mut heads {
            let _ = stream.write_all(b"x");
        }
        normal_request(&host, "/hello", 200);
        std::thread::sleep(Duration::from_millis(300));
    }
    std::thread::sleep(Duration::from_millis(500));
    let still_open = heads
        .iter()
        .filter(|stream| !closed_by_server(stream))
        .count();
    assert_eq!(still_open, 0, "every unfinished head was closed");
    assert!(
        host.metric("council_host_client_cutoffs_total{reason=\"slow-head\"}") >= 1.0,
        "{}",
        host.metrics()
    );
    // An idle keep-alive connection is closed by the same timer.
    let mut idle = connect_from(ATTACKER, host.addr).unwrap();
    idle.write_all(b"GET /hello HTTP/1.1\r\nhost: council.example\r\n\r\n")
        .unwrap();
    std::thread::sleep(Duration::from_secs(3));
    let (status, _) = read_reply(&mut idle, Duration::from_secs(2));
    assert_eq!(status, Some(200));
    assert!(closed_by_server(&idle));
    normal_request(&host, "/hello", 200);
}

/// Issue 10, item 4: council-host pasted the Host header into the URI the component
/// saw, so `Host: x/<another path>` reached another route.
#[test]
fn the_host_header_never_changes_the_path() {
    let host = HostProcess::start(&manifest("hostile-host-header"), &[], &[]).unwrap();
    let send = |host_header: &str| {
        let mut stream = connect_from(ATTACKER, host.addr).unwrap();
        write!(
            stream,
            "GET /probe/echo HTTP/1.1\r\nhost: {host_header}\r\nconnection: close\r\n\r\n"
        )
        .unwrap();
        read_reply(&mut stream, Duration::from_secs(5))
    };
    for hostile in [
        "x/probe/kv/default/secret?",
        "x/probe/config/token?a=",
        "a b",
        "user@council.example",
    ] {
        let (status, text) = send(hostile);
        assert_eq!(status, Some(400), "{hostile:?}: {text}");
        assert!(text.contains("application/json"), "{text}");
        assert!(text.contains("Host header"), "{text}");
        assert!(!text.contains("wasmtime"), "{text}");
    }
    let (status, text) = send("council.example:8080");
    assert_eq!(status, Some(200), "{text}");
    // The body may come chunked: the JSON object is between its first `{` and last `}`.
    let json = &text[text.find('{').unwrap()..=text.rfind('}').unwrap()];
    let echoed: serde_json::Value = serde_json::from_str(json).unwrap();
    assert_eq!(echoed["path"], "/probe/echo");
    assert_eq!(echoed["uri"], "http://council.example:8080/probe/echo");
    assert_eq!(
        echoed["spin-full-url"],
        "http://council.example:8080/probe/echo"
    );
}

/// Starts a request that computes for ever, from `source`; the stream to read its
/// answer from.
fn start_runaway(host: &HostProcess, source: IpAddr) -> TcpStream {
    let mut stream = connect_from(source, host.addr).unwrap();
    stream
        .write_all(b"GET /probe/loop HTTP/1.1\r\nhost: council.example\r\n\r\n")
        .unwrap();
    stream
}

/// Issue 10, item 5: as many runaway instances as there are cores stalled every
/// other request until their deadline.
#[test]
fn runaway_instances_do_not_stall_other_requests() {
    let host = HostProcess::start(
        &manifest("hostile-runaway"),
        &[
            "--admin-listen",
            "127.0.0.1:0",
            "--request-timeout-secs",
            "8",
            "--max-requests-per-client",
            "2",
        ],
        &[],
    )
    .unwrap();
    let runaways: Vec<TcpStream> = (0..4)
        .map(|i| start_runaway(&host, if i < 2 { ATTACKER } else { SECOND_ATTACKER }))
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    // A third runaway from the same client is refused: two is its share.
    let mut third = start_runaway(&host, ATTACKER);
    let (status, text) = read_reply(&mut third, Duration::from_secs(2));
    assert_eq!(status, Some(429), "{text}");
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(5) {
        normal_request(&host, "/probe/ok", 200);
        normal_request(&host, "/hello", 200);
        std::thread::sleep(Duration::from_millis(100));
    }
    for mut stream in runaways {
        let (status, text) = read_reply(&mut stream, Duration::from_secs(10));
        assert_eq!(status, Some(504), "{text}");
    }
    assert!(host.metric("council_host_slow_lane_entries_total") >= 4.0);
    assert!(host.metric("council_host_deadlines_hit_total") >= 4.0);
    normal_request(&host, "/hello", 200);
}

/// Issue 10, item 15: a host whose shutdown began while runaway instances ran kept
/// one core busy and ignored SIGTERM.
#[test]
fn sigterm_with_runaway_instances_exits_within_the_grace_period() {
    let mut host = HostProcess::start(
        &manifest("hostile-shutdown"),
        &[
            "--request-timeout-secs",
            "120",
            "--shutdown-grace-secs",
            "2",
        ],
        &[],
    )
    .unwrap();
    let runaways: Vec<TcpStream> = (0..4)
        .map(|i| {
            start_runaway(
                &host,
                if i % 2 == 0 {
                    ATTACKER
                } else {
                    SECOND_ATTACKER
                },
            )
        })
        .collect();
    std::thread::sleep(Duration::from_secs(1));
    let signalled = Instant::now();
    let status = std::process::Command::new("kill")
        .args(["-TERM", &host.pid().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exited = loop {
        if let Some(success) = host.exited() {
            break success;
        }
        assert!(
            signalled.elapsed() < Duration::from_secs(6),
            "council-host was still running {:?} after SIGTERM with a 2 s grace period\n{}",
            signalled.elapsed(),
            host.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exited, "council-host exited with a failure\n{}", host.log());
    assert!(
        host.log().contains("stopping them"),
        "the log says in-flight requests were stopped\n{}",
        host.log()
    );
    drop(runaways);
}
