//! The ModernGov stand-in, for tests: `scripts/moderngov-standin.py` (the one
//! `bench/contacts.sh` runs too) in a child process on a free port, driven through its
//! `/_standin/` controls and stopped when dropped.
//!
//! It serves the fixture files under `tests/data/moderngov/` byte for byte at the
//! paths a ModernGov site answers on (the table is in the script's documentation),
//! matching page and method names case-insensitively as IIS does, with ASP.NET's real
//! answer to an unknown web-service method; [`ModernGov::serve`] replaces the fixture
//! of one page. Modes ([`Mode`]) apply to every path. Every request is counted, with
//! the time its request line arrived.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

use super::workspace_root;

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
    /// Reads the request and never answers; the connection stays open until the
    /// stand-in is dropped.
    Hang,
}

impl Mode {
    /// The body of `POST /_standin/mode` (the script's names for the modes).
    fn control(self) -> Value {
        match self {
            Mode::Normal => json!({"mode": "normal"}),
            Mode::Slow(delay) => json!({"mode": "slow", "seconds": delay.as_secs_f64()}),
            Mode::ServerError => json!({"mode": "server-error"}),
            Mode::Garbage => json!({"mode": "garbage"}),
            Mode::HtmlError => json!({"mode": "html-error"}),
            Mode::RedirectStub => json!({"mode": "redirect-stub"}),
            Mode::Hang => json!({"mode": "hang"}),
        }
    }
}

/// One request the stand-in received.
#[derive(Debug, Clone)]
pub struct Seen {
    /// The request target as sent (`/mgWebService.asmx/GetParishCouncils`).
    pub target: String,
    /// When its request line arrived. The script reports seconds since it printed
    /// its address, and [`ModernGov::start`] read that line a moment later: the
    /// offset is the same for every request, so the spacing between two is exact.
    pub at: Instant,
}

/// A running stand-in; stops (and releases hung connections) when dropped.
#[derive(Debug)]
pub struct ModernGov {
    child: Child,
    origin: String,
    started: Instant,
}

impl ModernGov {
    /// Starts a stand-in on `127.0.0.1:0` in [`Mode::Normal`].
    pub fn start() -> Result<Self> {
        let script = workspace_root().join("scripts/moderngov-standin.py");
        let mut child = Command::new("python3")
            .arg(&script)
            .args(["--listen", "127.0.0.1:0"])
            .arg("--fixtures")
            .arg(workspace_root().join("tests/data/moderngov"))
            .stdout(Stdio::piped())
            .spawn()
            .with_context(|| format!("starting {}", script.display()))?;
        super::stop_at_exit(child.id());
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped stdout")).read_line(&mut line)?;
        let started = Instant::now();
        let origin = line
            .trim()
            .rsplit(' ')
            .next()
            .filter(|url| url.starts_with("http://"))
            .map(str::to_string);
        match origin {
            Some(origin) => Ok(Self {
                child,
                origin,
                started,
            }),
            None => {
                let _ = child.kill();
                let _ = child.wait();
                super::forget_at_exit(child.id());
                bail!("moderngov-standin printed {line:?}")
            }
        }
    }

    /// `http://127.0.0.1:<port>`: the origin to allow and to use as the base URL.
    pub fn origin(&self) -> String {
        self.origin.clone()
    }

    fn control(&self, name: &str, body: Value) {
        ureq::post(&format!("{}/_standin/{name}", self.origin))
            .send_json(body)
            .unwrap_or_else(|e| panic!("ModernGov stand-in control {name}: {e}"));
    }

    /// Switches every path to `mode`.
    pub fn set_mode(&self, mode: Mode) {
        self.control("mode", mode.control());
    }

    /// Serves the fixture at `fixture` (relative to `tests/data/moderngov`) for the
    /// page `page` (`GetCouncillorsByWard`, `mgParishCouncilDetailsList.aspx`).
    pub fn serve(&self, page: &str, fixture: &str) {
        self.control("serve", json!({"page": page, "fixture": fixture}));
    }

    /// Every request so far, in order of arrival.
    pub fn seen(&self) -> Vec<Seen> {
        let list: Value = ureq::get(&format!("{}/_standin/seen", self.origin))
            .call()
            .expect("the ModernGov stand-in answers")
            .into_json()
            .expect("JSON");
        list.as_array()
            .expect("a list")
            .iter()
            .map(|s| Seen {
                target: s["target"].as_str().unwrap_or("").to_string(),
                at: self.started
                    + Duration::from_secs_f64(s["at"].as_f64().unwrap_or(0.0).max(0.0)),
            })
            .collect()
    }

    /// How many requests arrived for exactly this target (path and query).
    pub fn count(&self, target: &str) -> usize {
        self.seen().iter().filter(|s| s.target == target).count()
    }

    /// How many requests arrived in all.
    pub fn total(&self) -> usize {
        self.seen().len()
    }
}

impl Drop for ModernGov {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        super::forget_at_exit(self.child.id());
    }
}
