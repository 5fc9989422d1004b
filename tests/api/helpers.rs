//! A real server on 127.0.0.1:0 over a real sled directory in a temp dir, and a client
//! with verb methods for the tests.

use std::sync::Arc;

use chrono::Utc;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tokio::sync::oneshot;
use trellis::server::{self, Running, Server};
use trellis::token::Role;
use trellis_rubric::Catalog;

/// A running server with its own data directory (removed on drop).
pub struct TestApp {
    pub base: String,
    pub admin: String,
    pub server: Arc<Server>,
    pub client: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    serving: Option<tokio::task::JoinHandle<()>>,
    running: Option<Running>,
    pub dir: tempfile::TempDir,
}

/// A server over a new, empty data directory.
pub async fn spawn_app() -> TestApp {
    let dir = tempfile::tempdir().expect("a temp dir");
    start(dir, None).await
}

/// A server over the demo district.
pub async fn spawn_demo() -> TestApp {
    let dir = tempfile::tempdir().expect("a temp dir");
    trellis::demo::generate(dir.path(), &Catalog::shipped(), &Default::default())
        .expect("the demo generates");
    start(dir, None).await
}

/// A server over an existing directory; `admin` is a token it already holds (else the
/// first admin token is made, or another admin's).
pub async fn start(dir: tempfile::TempDir, admin: Option<String>) -> TestApp {
    let running = Running::open(dir.path(), Catalog::shipped()).expect("the server opens");
    let server = running.server.clone();
    let admin = match (
        admin,
        server::first_admin(&server).await.expect("first admin"),
    ) {
        (_, Some(m)) => m.token,
        (Some(t), None) => t,
        (None, None) => mint_directly(&server, "admin2", Role::Admin, None).await,
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let base = format!("http://{}/api/v1", listener.local_addr().expect("addr"));
    let (stop, stopped) = oneshot::channel::<()>();
    let serving = tokio::spawn({
        let server = server.clone();
        async move {
            server::run(listener, server, async {
                let _ = stopped.await;
            })
            .await
            .expect("serves");
        }
    });
    TestApp {
        base,
        admin,
        server,
        client: reqwest::Client::new(),
        stop: Some(stop),
        serving: Some(serving),
        running: Some(running),
        dir,
    }
}

/// A token made through the server's own grant path.
pub async fn mint_directly(server: &Server, login: &str, role: Role, org: Option<&str>) -> String {
    let by = trellis::token::Grant {
        id: String::new(),
        login: "test".into(),
        role: Role::Admin,
        org: None,
        created_at: Utc::now(),
        revoked_at: None,
    };
    server
        .grant(&by, login, role, org.map(String::from))
        .await
        .expect("grant")
        .token
}

/// An answer: status and JSON body (Null when there is none).
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub body: Value,
    pub headers: reqwest::header::HeaderMap,
}

impl Answer {
    pub fn error_field(&self) -> Option<&str> {
        self.body["error"]["field"].as_str()
    }
    pub fn error_code(&self) -> Option<&str> {
        self.body["error"]["code"].as_str()
    }
}

impl TestApp {
    /// Stops serving, lets the writer finish, and checkpoints; gives back the directory and
    /// the admin token.
    pub async fn stop(mut self) -> (tempfile::TempDir, String) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(serving) = self.serving.take() {
            serving.await.expect("the server task ends");
        }
        let running = self.running.take().expect("running");
        drop(self.server);
        running.stop().await.expect("stops cleanly");
        (self.dir, self.admin)
    }

    pub fn head(&self) -> u64 {
        self.server.log.head_position()
    }

    pub async fn token(&self, login: &str, role: Role, org: Option<&str>) -> String {
        mint_directly(&self.server, login, role, org).await
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        answer(req.send().await.expect("the server answers")).await
    }

    pub async fn raw(&self, req: reqwest::RequestBuilder) -> Answer {
        answer(req.send().await.expect("the server answers")).await
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.call(Method::GET, path, Some(&self.admin.clone()), None)
            .await
    }

    pub async fn get_as(&self, token: &str, path: &str) -> Answer {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.call(Method::POST, path, Some(&self.admin.clone()), Some(body))
            .await
    }

    /// Posts and insists on 201.
    pub async fn created(&self, path: &str, body: Value) -> Answer {
        let a = self.post(path, body.clone()).await;
        assert_eq!(
            a.status,
            StatusCode::CREATED,
            "POST {path} {body}: {:?}",
            a.body
        );
        a
    }

    /// A district with one school, two people, the leadership rubric adopted by both.
    pub async fn small_district(&self) {
        self.created("/orgs", json!({"org": "north", "kind": "district", "name": "North District", "on": "2025-01-02"})).await;
        self.created("/orgs", json!({"org": "oak", "kind": "school", "name": "Oak School", "parent": "north", "on": "2025-01-02"})).await;
        self.created("/orgs", json!({"org": "south", "kind": "district", "name": "South District", "on": "2025-01-02"})).await;
        self.created(
            "/people",
            json!({"person": "ana", "name": "Ana Diaz", "on": "2025-01-02"}),
        )
        .await;
        self.created(
            "/people",
            json!({"person": "ben", "name": "Ben Ode", "on": "2025-01-02"}),
        )
        .await;
        for org in ["north", "oak", "south"] {
            self.created(
                &format!("/orgs/{org}/rubrics"),
                json!({"rubric": "leadership-system", "on": "2025-01-03"}),
            )
            .await;
        }
    }
}

async fn answer(r: reqwest::Response) -> Answer {
    let status = r.status();
    let headers = r.headers().clone();
    let text = r.text().await.unwrap_or_default();
    let body = serde_json::from_str(&text).unwrap_or(if text.is_empty() {
        Value::Null
    } else {
        Value::String(text)
    });
    Answer {
        status,
        body,
        headers,
    }
}

/// Every event of the log, as the raw log route pages it.
pub async fn all_events(app: &TestApp) -> Vec<Value> {
    let mut out = Vec::new();
    let mut after = 0;
    loop {
        let a = app.get(&format!("/events?after={after}&limit=500")).await;
        assert_eq!(a.status, StatusCode::OK, "{:?}", a.body);
        let events = a.body["events"].as_array().cloned().unwrap_or_default();
        out.extend(events);
        match a.body["next_after"].as_u64() {
            Some(n) => after = n,
            None => return out,
        }
    }
}
