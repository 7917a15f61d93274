//! A person with a browser that has JavaScript switched off, as the HTTP tests of the
//! service drive it: forms, one cookie, redirects followed by hand, and the journey
//! from the start page to the confirmation.

use std::time::Duration;

use super::between;
use crate::support::HostProcess;

/// A response.
#[derive(Debug)]
pub(super) struct Page {
    pub(super) status: u16,
    pub(super) location: Option<String>,
    pub(super) body: String,
}

/// A person with a browser that has JavaScript switched off: forms, a cookie jar of
/// one cookie, no redirects followed automatically.
pub(super) struct Citizen {
    pub(super) base: String,
    pub(super) agent: ureq::Agent,
    pub(super) cookie: Option<String>,
    pub(super) token: String,
    /// Sent as `X-Forwarded-For`, as a council's proxy would (with `client_ip_header`).
    pub(super) forwarded_for: Option<String>,
}

impl Citizen {
    pub(super) fn new(host: &HostProcess) -> Self {
        Self {
            base: host.url(""),
            agent: ureq::AgentBuilder::new()
                .redirects(0)
                .timeout(Duration::from_secs(60))
                .build(),
            cookie: None,
            token: String::new(),
            forwarded_for: None,
        }
    }

    fn finish(&mut self, result: Result<ureq::Response, ureq::Error>) -> Page {
        let response = match result {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("{e}"),
        };
        if let Some(cookie) = response.header("set-cookie") {
            self.cookie = cookie.split(';').next().map(str::to_string);
        }
        let page = Page {
            status: response.status(),
            location: response.header("location").map(str::to_string),
            body: response.into_string().unwrap(),
        };
        if let Some(token) = page.body.split(r#"name="token" value=""#).nth(1) {
            self.token = token.split('"').next().unwrap().to_string();
        }
        page
    }

    pub(super) fn get(&mut self, path: &str) -> Page {
        let mut request = self.agent.get(&format!("{}{path}", self.base));
        if let Some(cookie) = &self.cookie {
            request = request.set("cookie", cookie);
        }
        if let Some(address) = &self.forwarded_for {
            request = request.set("x-forwarded-for", address);
        }
        let result = request.call();
        self.finish(result)
    }

    pub(super) fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let mut request = self.agent.post(&format!("{}{path}", self.base));
        if let Some(cookie) = &self.cookie {
            request = request.set("cookie", cookie);
        }
        if let Some(address) = &self.forwarded_for {
            request = request.set("x-forwarded-for", address);
        }
        let token = self.token.clone();
        let mut all = vec![("token", token.as_str())];
        all.extend_from_slice(fields);
        let result = request.send_form(&all);
        self.finish(result)
    }

    /// Posts and follows the redirect, as a browser does.
    pub(super) fn submit(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let page = self.post(path, fields);
        match (page.status, page.location.clone()) {
            (303, Some(location)) => self.get(&location),
            _ => page,
        }
    }

    /// Starts a report and finds the address by postcode, taking the first address.
    fn choose_address(&mut self, postcode: &str) -> Page {
        let page = self.post("/report-speeding/start", &[]);
        assert_eq!(page.status, 303, "{}", page.body);
        let page = self.get("/report-speeding/postcode");
        assert_eq!(page.status, 200);
        let select = self.submit("/report-speeding/postcode", &[("postcode", postcode)]);
        assert!(
            select.body.contains("Select the address"),
            "{}",
            select.body
        );
        let uprn = select
            .body
            .split(r#"<option value=""#)
            .skip(1)
            .filter_map(|o| o.split('"').next())
            .find(|v| !v.is_empty())
            .expect("an address in the list")
            .to_string();
        self.submit("/report-speeding/address", &[("uprn", &uprn)])
    }

    /// The whole journey to the check page.
    pub(super) fn reach_check_page(&mut self, postcode: &str, answers: [&str; 3]) -> Page {
        let page = self.choose_address(postcode);
        assert!(
            page.body.contains("Is the road 30 mph or lower"),
            "{}",
            page.body
        );
        let page = self.submit(
            "/report-speeding/question/speed-limit",
            &[("answer", answers[0])],
        );
        assert!(page.body.contains("Community Speedwatch"), "{}", page.body);
        let page = self.submit(
            "/report-speeding/question/speedwatch",
            &[("answer", answers[1])],
        );
        assert!(
            page.body.contains("particular times of day"),
            "{}",
            page.body
        );
        let page = self.submit(
            "/report-speeding/question/pattern",
            &[("answer", answers[2])],
        );
        assert!(
            page.body.contains("Tell us about the speeding"),
            "{}",
            page.body
        );
        let page = self.submit(
            "/report-speeding/details",
            &[
                ("location", "Between the school and the shops"),
                ("when", "Weekday mornings, 8am to 9am"),
                ("vehicles", "cars"),
                ("vehicles", "vans"),
                (
                    "description",
                    "Cars race past the school gate.\nEvery morning.",
                ),
            ],
        );
        assert!(page.body.contains("Check your answers"), "{}", page.body);
        page
    }

    /// Sends the report; returns the confirmation page and the reference.
    pub(super) fn send(&mut self) -> (Page, String) {
        let page = self.submit("/report-speeding/submit", &[]);
        assert_eq!(page.status, 200, "{}", page.body);
        let reference =
            between(&page.body, r#"<strong id="reference">"#, "<").expect("a reference number");
        (page, reference)
    }
}
