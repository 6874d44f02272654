//! The PUT of the answer to CloudFormation's pre-signed S3 URL, with the HTTP and TLS stack
//! the AWS SDK already brings (hyper, rustls with *ring*, the system's root certificates).
//! Plain `http://` is accepted too: the tests answer a local server.

use bytes::Bytes;
use http_body_util::Full;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use std::time::Duration;

/// An HTTP client for the answers.
pub struct Http {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
}

impl Http {
    pub fn new() -> Result<Http, String> {
        // *ring*, as the SDK's own client here (`CryptoMode::Ring`, the same call).
        #[allow(deprecated)]
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_native_roots(rustls::crypto::ring::default_provider())
            .map_err(|e| format!("no root certificates: {e}"))?
            .https_or_http()
            .enable_http1()
            .build();
        Ok(Http {
            client: Client::builder(TokioExecutor::new()).build(https),
        })
    }

    /// PUTs `body` to `url`, three tries; the pre-signed URL wants no content type.
    pub async fn put(&self, url: &str, body: Vec<u8>) -> Result<(), String> {
        let body = Bytes::from(body);
        let mut last = String::new();
        for attempt in 0..3u64 {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_secs(attempt)).await;
            }
            let request = http::Request::put(url)
                .header("content-type", "")
                .header("content-length", body.len())
                .body(Full::new(body.clone()))
                .map_err(|e| format!("the response URL is not usable: {e}"))?;
            match self.client.request(request).await {
                Ok(r) if r.status().is_success() => return Ok(()),
                Ok(r) => last = format!("the response URL answered {}", r.status()),
                Err(e) => last = format!("the response URL could not be reached: {e}"),
            }
        }
        Err(last)
    }
}
