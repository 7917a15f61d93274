//! A ModernGov stand-in: a real HTTP/1.1 server on `127.0.0.1:0` that serves the
//! fixture files under `tests/data/moderngov/` byte for byte at the paths a ModernGov
//! site answers on, with switchable failure modes, counting every request.
//!
//! | path (under any prefix, so a `moderngov_path` such as `/modern.gov` works) | fixture |
//! |---|---|
//! | `/mgWebService.asmx/GetCouncillorsByWard` | `councillors-by-ward/kirklees.gov.uk.xml` (real) |
//! | `/mgWebService.asmx/GetCouncillorsByWardId?lWardId=n` | `councillors-by-ward-id/example.xml` |
//! | `/mgWebService.asmx/GetCouncillorsByPostcode?sPostcode=...` | `councillors-by-postcode/example.xml` |
//! | `/mgWebService.asmx/GetParishCouncils` | `parish-councils/example.xml` |
//! | `/mgParishCouncilDetails.aspx?bcr=1` | `parish-list-bcr/example.html` |
//! | `/mgParishCouncilDetails.aspx?ID=12` | `parish-details/example-id-12.html` (other ids: 404) |
//! | `/mgParishCouncilDetailsList.aspx` | `parish-details-list/example.html` |
//!
//! Page and method names are matched case-insensitively, as IIS does. An unknown
//! web-service method gets ASP.NET's real answer to one (500, "Web Service method
//! name is not valid"); anything else is a 404. [`ModernGov::serve`] replaces the
//! fixture of one page.
//!
//! Modes ([`Mode`]) apply to every path: the fixtures, the same after a delay, HTTP
//! 500, garbage bytes, the real Leeds SharePoint error page served with status 200, a
//! JavaScript redirect stub, or a hang (the request is read and never answered; the
//! connection stays open until the stand-in is dropped).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

/// How the stand-in answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The fixtures.
    Normal,
    /// The fixtures, after this delay.
    Slow(Duration),
    /// `500 Internal Server Error` with an IIS-style HTML body.
    ServerError,
    /// `200` with bytes that are neither XML nor HTML.
    Garbage,
    /// `200` with the real Leeds answer: a SharePoint HTML error page served as XML.
    HtmlError,
    /// `200` with a JavaScript redirect stub instead of the page.
    RedirectStub,
    /// Reads the request and never answers.
    Hang,
}

/// One request the stand-in received.
#[derive(Debug, Clone)]
pub struct Seen {
    /// The request target as sent (`/mgWebService.asmx/GetParishCouncils`).
    pub target: String,
    /// When its request line arrived.
    pub at: Instant,
}

#[derive(Debug)]
struct State {
    mode: Mutex<Mode>,
    overrides: Mutex<BTreeMap<String, String>>,
    seen: Mutex<Vec<Seen>>,
    stop: AtomicBool,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A running stand-in; stops (and releases hung connections) when dropped.
#[derive(Debug)]
pub struct ModernGov {
    addr: SocketAddr,
    state: Arc<State>,
}

/// The fixture directory.
pub fn fixtures() -> PathBuf {
    super::workspace_root().join("tests/data/moderngov")
}

impl ModernGov {
    /// Starts a stand-in on `127.0.0.1:0` in [`Mode::Normal`].
    pub fn start() -> Result<Self> {
        let listener =
            TcpListener::bind("127.0.0.1:0").context("binding the ModernGov stand-in")?;
        let addr = listener.local_addr()?;
        let state = Arc::new(State {
            mode: Mutex::new(Mode::Normal),
            overrides: Mutex::new(BTreeMap::new()),
            seen: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
        });
        let accept_state = state.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if accept_state.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let state = accept_state.clone();
                std::thread::spawn(move || {
                    let _ = serve_connection(stream, &state);
                });
            }
        });
        Ok(Self { addr, state })
    }

    /// `http://127.0.0.1:<port>`: the origin to allow and to use as the base URL.
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Switches every path to `mode`.
    pub fn set_mode(&self, mode: Mode) {
        *lock(&self.state.mode) = mode;
    }

    /// Serves the fixture at `fixture` (relative to `tests/data/moderngov`) for the
    /// page `page` (`GetCouncillorsByWard`, `mgParishCouncilDetailsList.aspx`).
    pub fn serve(&self, page: &str, fixture: &str) {
        lock(&self.state.overrides).insert(page.to_ascii_lowercase(), fixture.to_string());
    }

    /// Every request so far, in order of arrival.
    pub fn seen(&self) -> Vec<Seen> {
        lock(&self.state.seen).clone()
    }

    /// How many requests arrived for exactly this target (path and query).
    pub fn count(&self, target: &str) -> usize {
        lock(&self.state.seen)
            .iter()
            .filter(|s| s.target == target)
            .count()
    }

    /// How many requests arrived in all.
    pub fn total(&self) -> usize {
        lock(&self.state.seen).len()
    }
}

impl Drop for ModernGov {
    fn drop(&mut self) {
        self.state.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
    }
}

/// What to send back: status, content type, body.
struct Answer {
    status: u16,
    content_type: &'static str,
    body: Vec<u8>,
}

fn fixture(rel: &str) -> Answer {
    let path = fixtures().join(rel);
    let body = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let content_type = if rel.ends_with(".xml") {
        "text/xml; charset=utf-8"
    } else {
        "text/html; charset=utf-8"
    };
    Answer {
        status: 200,
        content_type,
        body,
    }
}

fn not_found() -> Answer {
    Answer {
        status: 404,
        content_type: "text/html; charset=utf-8",
        body: b"<!DOCTYPE html><html><head><title>404 - File or directory not found.</title></head><body><h2>404 - File or directory not found.</h2></body></html>".to_vec(),
    }
}

/// The fixture for a request target in [`Mode::Normal`].
fn route(target: &str, overrides: &BTreeMap<String, String>) -> Answer {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let path = path.to_ascii_lowercase();
    let query_lower = query.to_ascii_lowercase();
    let page = path.rsplit('/').next().unwrap_or("").to_string();
    if let Some(rel) = overrides.get(&page) {
        return fixture(rel);
    }
    if path.ends_with("/mgwebservice.asmx/getcouncillorsbyward") {
        return fixture("councillors-by-ward/kirklees.gov.uk.xml");
    }
    if path.ends_with("/mgwebservice.asmx/getcouncillorsbywardid")
        && query_lower.starts_with("lwardid=")
    {
        return fixture("councillors-by-ward-id/example.xml");
    }
    if path.ends_with("/mgwebservice.asmx/getcouncillorsbypostcode")
        && query_lower.starts_with("spostcode=")
    {
        return fixture("councillors-by-postcode/example.xml");
    }
    if path.ends_with("/mgwebservice.asmx/getparishcouncils") {
        return fixture("parish-councils/example.xml");
    }
    if path.ends_with("/mgparishcouncildetails.aspx") {
        return match query_lower.as_str() {
            "bcr=1" => fixture("parish-list-bcr/example.html"),
            "id=12" => fixture("parish-details/example-id-12.html"),
            _ => not_found(),
        };
    }
    if path.ends_with("/mgparishcouncildetailslist.aspx") {
        return fixture("parish-details-list/example.html");
    }
    if path.contains("/mgwebservice.asmx/") {
        // What ASP.NET answers for a method the service does not have.
        let method = target.rsplit('/').next().unwrap_or("");
        return Answer {
            status: 500,
            content_type: "text/plain; charset=utf-8",
            body: format!("System.InvalidOperationException: {method} Web Service method name is not valid.\r\n   at System.Web.Services.Protocols.HttpServerProtocol.Initialize()\r\n").into_bytes(),
        };
    }
    not_found()
}

fn serve_connection(stream: TcpStream, state: &State) -> Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line)? == 0 {
        return Ok(());
    }
    let at = Instant::now();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" || line == "\n" {
            break;
        }
    }
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let target = parts.next().unwrap_or("").to_string();
    if state.stop.load(Ordering::SeqCst) || target.is_empty() {
        return Ok(());
    }
    lock(&state.seen).push(Seen {
        target: target.clone(),
        at,
    });
    let mode = *lock(&state.mode);
    let answer = match mode {
        Mode::Hang => {
            // Keep the connection open, say nothing, until the stand-in stops.
            while !state.stop.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(20));
            }
            return Ok(());
        }
        Mode::Slow(delay) => {
            std::thread::sleep(delay);
            route(&target, &lock(&state.overrides))
        }
        Mode::Normal => route(&target, &lock(&state.overrides)),
        Mode::ServerError => Answer {
            status: 500,
            content_type: "text/html",
            body: b"<!DOCTYPE html><html><head><title>500 - Internal server error.</title></head><body><h2>500 - Internal server error.</h2><h3>There is a problem with the resource you are looking for, and it cannot be displayed.</h3></body></html>".to_vec(),
        },
        Mode::Garbage => Answer {
            status: 200,
            content_type: "text/xml; charset=utf-8",
            body: b"\x1f\x8b\x08\x00 garbage \xff\xfe not a ModernGov answer }{ ;;".to_vec(),
        },
        Mode::HtmlError => Answer {
            content_type: "text/xml; charset=utf-8",
            ..fixture("councillors-by-ward/leeds.gov.uk.xml")
        },
        Mode::RedirectStub => fixture("redirect-stub/example.html"),
    };
    let reason = match answer.status {
        200 => "OK",
        404 => "Not Found",
        500 => "Internal Server Error",
        _ => "",
    };
    let mut out = stream;
    let head = format!(
        "HTTP/1.1 {} {reason}\r\ncontent-type: {}\r\ncontent-length: {}\r\nserver: Microsoft-IIS/10.0\r\nconnection: close\r\n\r\n",
        answer.status,
        answer.content_type,
        answer.body.len()
    );
    out.write_all(head.as_bytes())?;
    if method != "HEAD" {
        out.write_all(&answer.body)?;
    }
    out.flush()?;
    Ok(())
}
