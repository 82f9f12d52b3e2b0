//! The one HTTP client of the project's tools: pooled HTTP/1 over plain HTTP or HTTPS (rustls with
//! the system's roots, the stack the AWS SDK already builds), and the Basic authorization header.
//! `streamgate post` sends with it; the test harness re-exports it.

use base64::Engine;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Request, Response};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

/// A request could not be sent or its answer not read.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// The method, URL or a header is not valid HTTP.
    #[error("invalid request: {0}")]
    Request(String),
    /// The system's root certificates could not be loaded.
    #[error("TLS roots: {0}")]
    Tls(String),
    /// Connecting, sending or reading failed.
    #[error("{0}")]
    Transport(String),
}

/// A response: status, headers and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// Body as text (lossy UTF-8).
    pub body: String,
    /// Response headers, names lowercase.
    pub headers: Vec<(String, String)>,
}

impl Answer {
    /// The body parsed as JSON (`Null` when it is not JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }

    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// A pooled client for `http://` and `https://` URLs; clone it freely.
#[derive(Clone)]
pub struct HttpClient {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
}

impl HttpClient {
    /// A client trusting the system's root certificates.
    pub fn new() -> Result<HttpClient, HttpError> {
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            // aws-lc-rs named explicitly: rustls also has ring compiled in (rskafka, for the topics
            // function), and with two providers its process default is undecided (a panic).
            .with_provider_and_native_roots(rustls::crypto::aws_lc_rs::default_provider())
            .map_err(|e| HttpError::Tls(e.to_string()))?
            .https_or_http()
            .enable_http1()
            .build();
        Ok(HttpClient {
            client: Client::builder(TokioExecutor::new()).build(connector),
        })
    }

    /// Sends one request and reads the whole answer.
    pub async fn send(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: impl Into<Bytes>,
    ) -> Result<Answer, HttpError> {
        let mut request = Request::builder().method(method).uri(url);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request
            .body(body.into())
            .map_err(|e| HttpError::Request(e.to_string()))?;
        let response = self.exchange(request).await?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| (n.as_str().to_string(), v.to_str().unwrap_or_default().to_string()))
            .collect();
        Ok(Answer {
            status,
            body: String::from_utf8_lossy(response.body()).into_owned(),
            headers,
        })
    }

    /// Sends a whole request and reads the whole answer, bytes and headers as they are (for
    /// proxying).
    pub async fn exchange(&self, request: Request<Bytes>) -> Result<Response<Bytes>, HttpError> {
        let response = self
            .client
            .request(request.map(Full::new))
            .await
            .map_err(|e| HttpError::Transport(e.to_string()))?;
        let (parts, body) = response.into_parts();
        let body = body
            .collect()
            .await
            .map_err(|e| HttpError::Transport(e.to_string()))?
            .to_bytes();
        Ok(Response::from_parts(parts, body))
    }
}

/// The `Authorization` value for HTTP Basic authentication (RFC 7617): `Basic base64(user:pass)`.
pub fn basic(username: &str, password: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_header_is_rfc_7617() {
        assert_eq!(basic("Aladdin", "open sesame"), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
    }
}
