//! [`ContactService`]: the `council:contacts/directory` functions over a
//! [`Transport`], a [`Cache`] and a [`Clock`], with caching, stale-if-error, a
//! timeout on every request and a per-host rate limit.
//!
//! Every upstream URL goes through one path ([`ContactService::fetch`]):
//!
//! 1. a cached entry younger than `contacts_cache_ttl_seconds` is the answer (no
//!    request is made);
//! 2. otherwise the service waits for the host's turn (`contacts_min_interval_ms`),
//!    GETs the URL with `contacts_timeout_ms`, and parses the answer;
//! 3. a parsed answer is stored and returned fresh;
//! 4. a failure (no answer, an HTTP error status, an answer that does not parse)
//!    returns the expired cached entry flagged `stale` with its age and the reason,
//!    or, with no entry, `upstream-unavailable` (no answer or an HTTP error) or
//!    `upstream-invalid` (the wrong document), naming the URL and the problem.
//!
//! One WIT call may need several upstream URLs (`find-body` reads the parish list,
//! the details list and perhaps a parish page). When a request to the upstream gets
//! no answer at all (a timeout, a refused connection, the host's allow-list), the
//! rest of that call does not ask again: each further URL fails at once with the
//! same reason and falls back to its cached copy. A hanging upstream therefore costs
//! a call one timeout, not one per URL.

use std::cell::RefCell;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::cache::{Entry, admit, entry_key, reserve_turn};
use crate::directory::Directory;
use crate::io::{Cache, Clock, Transport, TransportError};
use crate::matching::{find_body, same_ward};
use crate::model::{
    Body, BodyAnswer, BodyKind, BodyList, BodyQuery, CouncillorAnswer, Error, Provenance, Source,
    Ward,
};
use crate::moderngov::{self, ParseError, Privacy};
use crate::settings::{BaseUrl, Settings, SourceKind};

/// Formats a duration the way errors and stale reasons say it (`5 s`, `250 ms`).
pub fn human_duration(d: Duration) -> String {
    if d.as_millis().is_multiple_of(1000) {
        format!("{} s", d.as_secs())
    } else {
        format!("{} ms", d.as_millis())
    }
}

/// A parsed upstream answer with its provenance.
#[derive(Debug, Clone)]
pub struct Fetched<P> {
    /// The parsed answer.
    pub payload: P,
    /// Where and when it came from.
    pub provenance: Provenance,
}

enum Failure {
    Unavailable(String),
    Invalid(String),
}

/// The contact capability (see the module docs).
#[derive(Debug)]
pub struct ContactService<T, C, K> {
    settings: Settings,
    transport: T,
    cache: C,
    clock: K,
    /// Why the upstream gave no answer earlier in the current WIT call, if it did not
    /// (see the module docs); cleared when a call starts.
    unreachable: RefCell<Option<String>>,
}

impl<T: Transport, C: Cache, K: Clock> ContactService<T, C, K> {
    /// A service with these settings and I/O.
    pub fn new(settings: Settings, transport: T, cache: C, clock: K) -> Self {
        ContactService {
            settings,
            transport,
            cache,
            clock,
            unreachable: RefCell::new(None),
        }
    }

    /// Starts a WIT call: the upstream gets a fresh chance.
    fn begin_call(&self) {
        self.unreachable.replace(None);
    }

    /// The settings in force.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    fn privacy(&self) -> Privacy {
        Privacy {
            include_personal: self.settings.include_personal,
        }
    }

    fn base(&self) -> Result<&BaseUrl, Error> {
        self.settings
            .moderngov_base_url
            .as_ref()
            .ok_or_else(|| Error::NotConfigured("moderngov_base_url: not set".into()))
    }

    fn provenance(
        &self,
        url: &str,
        fetched_at_ms: u64,
        stale_reason: Option<String>,
    ) -> Provenance {
        let now = self.clock.now_unix_ms();
        Provenance {
            source: Source::Moderngov,
            url: Some(url.to_string()),
            fetched_at: fetched_at_ms / 1000,
            age_seconds: now.saturating_sub(fetched_at_ms) / 1000,
            stale: stale_reason.is_some(),
            stale_reason,
        }
    }

    /// Fetches `url` through the cache (see the module docs) and parses it with
    /// `parse`.
    pub fn fetch<P>(
        &self,
        url: &str,
        parse: &dyn Fn(&str) -> Result<P, ParseError>,
    ) -> Result<Fetched<P>, Error>
    where
        P: Serialize + DeserializeOwned,
    {
        let base = self.base()?;
        let key = entry_key(url, self.settings.include_personal);
        let cached: Option<Entry<P>> = self
            .cache
            .get(&key)
            .ok()
            .flatten()
            .and_then(|b| Entry::decode(&b));
        let ttl_ms = u64::try_from(self.settings.cache_ttl.as_millis()).unwrap_or(u64::MAX);
        if let Some(e) = &cached
            && self.clock.now_unix_ms().saturating_sub(e.fetched_at_ms) < ttl_ms
        {
            let e = cached.expect("checked above");
            let provenance = self.provenance(url, e.fetched_at_ms, None);
            return Ok(Fetched {
                payload: e.payload,
                provenance,
            });
        }
        let unreachable = self.unreachable.borrow().clone();
        let answer = match unreachable {
            // Asking again within this call would only wait out another timeout.
            Some(why) => Err(why),
            None => {
                let millis = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
                match reserve_turn(
                    &self.cache,
                    &self.clock,
                    base.host(),
                    millis(self.settings.min_interval),
                    millis(self.settings.timeout),
                ) {
                    // Too many requests are queued for this host already: this one
                    // does not go upstream (stale copy, or unavailable).
                    Err(busy) => Err(format!(
                        "not asked: {} requests to it are queued already (the next free turn is {} away)",
                        base.host(),
                        human_duration(Duration::from_millis(busy.wait_ms))
                    )),
                    Ok(_) => self.transport.get(url, self.settings.timeout).map_err(|e| {
                        let why = e.to_string();
                        if matches!(
                            e,
                            TransportError::Timeout(_)
                                | TransportError::Connect(_)
                                | TransportError::Denied(_)
                        ) {
                            self.unreachable.replace(Some(why.clone()));
                        }
                        why
                    }),
                }
            }
        };
        let outcome = match answer {
            Err(why) => Err(Failure::Unavailable(why)),
            Ok(resp) if !(200..300).contains(&resp.status) => Err(Failure::Unavailable(format!(
                "answered HTTP {}",
                resp.status
            ))),
            Ok(resp) => parse(&String::from_utf8_lossy(&resp.body))
                .map_err(|e| Failure::Invalid(format!("sent {e}"))),
        };
        match (outcome, cached) {
            (Ok(payload), was_cached) => {
                let now = self.clock.now_unix_ms();
                let entry = Entry {
                    v: crate::cache::ENTRY_VERSION,
                    url: url.to_string(),
                    fetched_at_ms: now,
                    payload,
                };
                // A cache that cannot store is not a reason to fail the answer.
                if self.cache.set(&key, &entry.encode()).is_ok() && was_cached.is_none() {
                    let _ = admit(&self.cache, &key, self.settings.cache_max_entries);
                }
                Ok(Fetched {
                    provenance: self.provenance(url, now, None),
                    payload: entry.payload,
                })
            }
            (Err(Failure::Unavailable(why) | Failure::Invalid(why)), Some(e)) => {
                let provenance =
                    self.provenance(url, e.fetched_at_ms, Some(format!("upstream {why}")));
                Ok(Fetched {
                    payload: e.payload,
                    provenance,
                })
            }
            (Err(Failure::Unavailable(why)), None) => {
                Err(Error::UpstreamUnavailable(format!("{url}: {why}")))
            }
            (Err(Failure::Invalid(why)), None) => {
                Err(Error::UpstreamInvalid(format!("{url}: {why}")))
            }
        }
    }

    fn unsupported(&self, what: &str) -> Error {
        Error::Unsupported(format!(
            "{what} needs contacts_source = moderngov; the directory source is configured"
        ))
    }

    fn directory(&self) -> Result<(Directory, Provenance), Error> {
        let (dir, modified) = Directory::load(&self.settings.directory_path)?;
        let now = self.clock.now_unix_ms() / 1000;
        let fetched_at = modified.unwrap_or(now);
        let provenance = Provenance {
            source: Source::Directory,
            url: None,
            fetched_at,
            age_seconds: now.saturating_sub(fetched_at),
            stale: false,
            stale_reason: None,
        };
        Ok((dir, provenance))
    }

    fn find_in_directory(&self, query: &BodyQuery) -> Result<Option<BodyAnswer>, Error> {
        let (dir, provenance) = self.directory()?;
        Ok(find_body(&dir.bodies, query).map(|b| BodyAnswer {
            body: b.clone(),
            provenance,
        }))
    }

    /// WIT `find-body`: the body matching `query`, `None` when nothing matches.
    ///
    /// With ModernGov, parish-level bodies come from [`Self::parish_councils`]; a
    /// matched parish without contact details is completed from its page
    /// `mgParishCouncilDetails.aspx?ID=n`. Other tiers, and names ModernGov does not
    /// list, are looked up in the directory file when one exists at
    /// `contacts_directory_path`.
    ///
    /// ModernGov lists parishes by name only. The parish list is given the directory
    /// file's GSS codes before it is cached (see `with_codes`), so a query by code
    /// matches it directly; a query with a code and no name that still finds nothing
    /// (a list cached before the directory knew the code) is matched by the name the
    /// directory gives that code. The answer carries the query's GSS code.
    pub fn find_body(&self, query: &BodyQuery) -> Result<Option<BodyAnswer>, Error> {
        self.begin_call();
        let has = |s: &Option<String>| s.as_deref().is_some_and(|s| !s.trim().is_empty());
        if !has(&query.gss_code) && !has(&query.name) {
            return Err(Error::InvalidQuery("give a GSS code or a name".into()));
        }
        if self.settings.source == SourceKind::Directory {
            return self.find_in_directory(query);
        }
        let parish_level = query
            .kind
            .is_none_or(|k| matches!(k, BodyKind::ParishCouncil | BodyKind::Other));
        if parish_level {
            let list = self.parish_list()?;
            let found = find_body(&list.bodies, query).or_else(|| {
                if has(&query.name) {
                    return None;
                }
                let (dir, _) = Directory::load(&self.settings.directory_path).ok()?;
                let named = BodyQuery {
                    name: Some(find_body(&dir.bodies, query)?.name.clone()),
                    ..query.clone()
                };
                find_body(&list.bodies, &named)
            });
            if let Some(found) = found {
                let mut body = found.clone();
                if body.gss_code.is_none()
                    && let Some(code) = query.gss_code.as_deref().map(str::trim)
                    && !code.is_empty()
                {
                    // Matched by name with no code on the source's side to contradict it.
                    body.gss_code = Some(code.to_ascii_uppercase());
                }
                let mut provenance = list.provenance;
                if body.contact.is_empty()
                    && !body.id.is_empty()
                    && body.id.bytes().all(|b| b.is_ascii_digit())
                {
                    let url = self
                        .base()?
                        .join(&format!("mgParishCouncilDetails.aspx?ID={}", body.id));
                    let id = body.id.clone();
                    let privacy = self.privacy();
                    let page = self.fetch(&url, &|s| {
                        moderngov::parse_parish_details_page(s, &id, privacy)
                    })?;
                    body.contact.fill_from(&page.payload.contact);
                    if body.website.is_none() {
                        body.website = page.payload.website.clone();
                    }
                    if body.gss_code.is_none() {
                        body.gss_code = page.payload.gss_code.clone();
                    }
                    provenance = combine(provenance, page.provenance);
                }
                return Ok(Some(BodyAnswer { body, provenance }));
            }
        }
        if std::fs::metadata(&self.settings.directory_path).is_ok() {
            return self.find_in_directory(query);
        }
        Ok(None)
    }

    /// WIT `parish-councils`: every parish council the source lists.
    ///
    /// With ModernGov: `GetParishCouncils`, or the flat list page
    /// `mgParishCouncilDetails.aspx?bcr=1` when the web service fails or lists none;
    /// contacts are filled in from `mgParishCouncilDetailsList.aspx` when that page
    /// answers (best effort: the list stands without it).
    pub fn parish_councils(&self) -> Result<BodyList, Error> {
        self.begin_call();
        self.parish_list()
    }

    /// Gives ModernGov's parishes, which it lists by name only, the GSS codes the
    /// directory file has for the same names (parish-level entries, matched as
    /// [`find_body`] matches). Done once per fetch, before the list is cached, so
    /// a cached lookup by code reads no file. A missing or unreadable directory adds
    /// nothing.
    fn with_codes(&self, mut bodies: Vec<Body>) -> Vec<Body> {
        let Ok((dir, _)) = Directory::load(&self.settings.directory_path) else {
            return bodies;
        };
        let parishes: Vec<Body> = dir
            .bodies
            .into_iter()
            .filter(|b| b.gss_code.is_some())
            .filter(|b| matches!(b.kind, BodyKind::ParishCouncil | BodyKind::Other))
            .collect();
        for b in bodies.iter_mut().filter(|b| b.gss_code.is_none()) {
            let q = BodyQuery {
                gss_code: None,
                name: Some(b.name.clone()),
                kind: None,
            };
            if let Some(d) = find_body(&parishes, &q) {
                b.gss_code.clone_from(&d.gss_code);
            }
        }
        bodies
    }

    fn parish_list(&self) -> Result<BodyList, Error> {
        if self.settings.source == SourceKind::Directory {
            let (dir, provenance) = self.directory()?;
            let bodies = dir
                .bodies
                .into_iter()
                .filter(|b| matches!(b.kind, BodyKind::ParishCouncil | BodyKind::Other))
                .collect();
            return Ok(BodyList { bodies, provenance });
        }
        let base = self.base()?;
        let ws_url = base.join("mgWebService.asmx/GetParishCouncils");
        let list_url = base.join("mgParishCouncilDetails.aspx?bcr=1");
        let from_ws = |s: &str| moderngov::parse_parish_councils(s).map(|b| self.with_codes(b));
        let from_page = |s: &str| moderngov::parse_parish_list_page(s).map(|b| self.with_codes(b));
        let list = match self.fetch(&ws_url, &from_ws) {
            Ok(ws) if !ws.payload.is_empty() => ws,
            Ok(ws) => match self.fetch(&list_url, &from_page) {
                Ok(page) if !page.payload.is_empty() => page,
                _ => ws,
            },
            Err(ws_err) => self.fetch(&list_url, &from_page).map_err(|_| ws_err)?,
        };
        let mut bodies = list.payload;
        let mut provenance = list.provenance;
        let details_url = base.join("mgParishCouncilDetailsList.aspx");
        let privacy = self.privacy();
        if let Ok(details) = self.fetch(&details_url, &|s| {
            moderngov::parse_parish_details_list_page(s, privacy)
        }) {
            for b in &mut bodies {
                let found = details
                    .payload
                    .iter()
                    .find(|d| !d.id.is_empty() && d.id == b.id)
                    .or_else(|| {
                        let q = BodyQuery {
                            gss_code: b.gss_code.clone(),
                            name: Some(b.name.clone()),
                            kind: None,
                        };
                        find_body(&details.payload, &q)
                    });
                if let Some(d) = found {
                    b.contact.fill_from(&d.contact);
                    if b.website.is_none() {
                        b.website.clone_from(&d.website);
                    }
                    if b.gss_code.is_none() {
                        b.gss_code.clone_from(&d.gss_code);
                    }
                }
            }
            provenance = combine(provenance, details.provenance);
        }
        Ok(BodyList { bodies, provenance })
    }

    fn councillors(&self, url: String, filter: Option<&str>) -> Result<CouncillorAnswer, Error> {
        let privacy = self.privacy();
        let fetched = self.fetch(&url, &|s| moderngov::parse_councillors(s, privacy))?;
        let wards: Vec<Ward> = match filter {
            Some(name) => fetched
                .payload
                .into_iter()
                .filter(|w| same_ward(&w.name, name))
                .collect(),
            None => fetched.payload,
        };
        Ok(CouncillorAnswer {
            wards,
            provenance: fetched.provenance,
        })
    }

    /// WIT `councillors-by-ward`: every ward's councillors (`GetCouncillorsByWard`),
    /// or only the wards named `ward_name` (case and spacing ignored).
    pub fn councillors_by_ward(&self, ward_name: Option<&str>) -> Result<CouncillorAnswer, Error> {
        self.begin_call();
        if self.settings.source == SourceKind::Directory {
            return Err(self.unsupported("councillors-by-ward"));
        }
        let url = self.base()?.join("mgWebService.asmx/GetCouncillorsByWard");
        self.councillors(url, ward_name.map(str::trim).filter(|n| !n.is_empty()))
    }

    /// WIT `councillors-by-ward-id`: `GetCouncillorsByWardId?lWardId=n`.
    pub fn councillors_by_ward_id(&self, ward_id: u32) -> Result<CouncillorAnswer, Error> {
        self.begin_call();
        if self.settings.source == SourceKind::Directory {
            return Err(self.unsupported("councillors-by-ward-id"));
        }
        let url = self.base()?.join(&format!(
            "mgWebService.asmx/GetCouncillorsByWardId?lWardId={ward_id}"
        ));
        self.councillors(url, None)
    }

    /// WIT `councillors-by-postcode`: `GetCouncillorsByPostcode?sPostcode=…`, the
    /// postcode normalised (`M31 4AN`) first.
    pub fn councillors_by_postcode(&self, postcode: &str) -> Result<CouncillorAnswer, Error> {
        self.begin_call();
        let pc = council_postcode::normalise(postcode)
            .ok_or_else(|| Error::InvalidQuery(format!("{postcode:?} is not a UK postcode")))?;
        if self.settings.source == SourceKind::Directory {
            return Err(self.unsupported("councillors-by-postcode"));
        }
        let url = self.base()?.join(&format!(
            "mgWebService.asmx/GetCouncillorsByPostcode?sPostcode={}",
            pc.replace(' ', "%20")
        ));
        self.councillors(url, None)
    }
}

/// Provenance of an answer built from two fetches: the first URL, the older time,
/// stale when either was.
fn combine(a: Provenance, b: Provenance) -> Provenance {
    let stale_reason = match (a.stale_reason, b.stale_reason) {
        (Some(x), Some(y)) => Some(format!("{x}; {y}")),
        (x, y) => x.or(y),
    };
    Provenance {
        source: a.source,
        url: a.url,
        fetched_at: a.fetched_at.min(b.fetched_at),
        age_seconds: a.age_seconds.max(b.age_seconds),
        stale: a.stale || b.stale,
        stale_reason,
    }
}
