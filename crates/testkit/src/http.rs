//! The project's HTTP client ([`httpclient`]) for end-to-end tests: a transport failure fails the
//! test.

use hyper::body::Bytes;

pub use httpclient::{Answer, basic};

/// [`httpclient::HttpClient`] whose calls panic on transport failures; clone it freely.
#[derive(Clone)]
pub struct HttpClient(httpclient::HttpClient);

impl Default for HttpClient {
    fn default() -> Self {
        HttpClient(httpclient::HttpClient::new().unwrap_or_else(|e| panic!("HTTP client: {e}")))
    }
}

impl HttpClient {
    /// Sends one request; transport failures are returned as `Err` with their message.
    pub async fn send(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: impl Into<Bytes>,
    ) -> Result<Answer, String> {
        self.0.send(method, url, headers, body).await.map_err(|e| e.to_string())
    }

    /// `POST` with a body.
    pub async fn post(&self, url: &str, headers: &[(&str, &str)], body: impl Into<Bytes>) -> Answer {
        self.call("POST", url, headers, body).await
    }

    /// Any method; a transport failure fails the test.
    pub async fn call(&self, method: &str, url: &str, headers: &[(&str, &str)], body: impl Into<Bytes>) -> Answer {
        self.send(method, url, headers, body)
            .await
            .unwrap_or_else(|e| panic!("{method} {url}: {e}"))
    }
}
