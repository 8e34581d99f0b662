//! EC2 DescribeRegions with AllRegions: every region and its opt-in status, where Account
//! ListRegions is unavailable or denied (the local emulator serves only this one). One signed
//! Query request (SigV4 with `aws-sigv4`, sent over the same rustls stack the SDK uses) instead
//! of the whole EC2 SDK crate for one call.

use std::time::{Duration, SystemTime};

use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use aws_smithy_xml::decode::{Document, ScopedDecoder, try_data};
use aws_types::SdkConfig;
use http_body_util::{BodyExt, Full};

use crate::cloud::{CloudError, CloudErrorKind, RegionOptIn};

/// The request body (EC2's Query protocol, API version 2016-11-15).
const BODY: &str = "Action=DescribeRegions&AllRegions=true&Version=2016-11-15";
/// The longest the one call may take.
const TIMEOUT: Duration = Duration::from_secs(15);

/// What one signed EC2 call needs from the SDK's configuration.
#[derive(Clone, Debug)]
pub struct Ec2Regions {
    credentials: Option<SharedCredentialsProvider>,
    region: Option<String>,
    /// An endpoint of its own (a local emulator); otherwise the region's public one.
    endpoint: Option<String>,
}

fn failure(kind: CloudErrorKind, message: impl Into<String>, hint: &str) -> CloudError {
    CloudError::new(kind, message, hint)
}

/// The regions of one DescribeRegions answer, or what its failure means: the HTTP status always,
/// the code and message when the body has them.
fn answer(status: http::StatusCode, text: &str) -> Result<Vec<(String, RegionOptIn)>, CloudError> {
    match parse(text) {
        Ok(regions) if status.is_success() => Ok(regions),
        Ok(_) | Err(_) if status.is_success() => Err(failure(
            CloudErrorKind::Service,
            format!("DescribeRegions: an answer regship cannot read ({status})"),
            "try again; if it persists, report it",
        )),
        outcome => {
            let (code, message) = outcome.err().unwrap_or_default();
            let kind = match (status.as_u16(), code.as_str()) {
                (_, "RequestLimitExceeded" | "Throttling") => CloudErrorKind::Throttled,
                (_, "RequestExpired" | "ExpiredToken") => CloudErrorKind::ExpiredCredentials,
                (403, _) | (_, "UnauthorizedOperation" | "AuthFailure") => {
                    CloudErrorKind::AccessDenied
                }
                (404, _) => CloudErrorKind::NotFound,
                _ => CloudErrorKind::Service,
            };
            let said = if text.trim().is_empty() {
                "with an empty answer".to_string()
            } else if code == "Unreadable" || code.is_empty() {
                "with an answer that is not EC2's (a proxy's page?)".to_string()
            } else if message.is_empty() {
                code
            } else {
                format!("{code}: {message}")
            };
            Err(failure(
                kind,
                format!("DescribeRegions: HTTP {} {said}", status.as_u16()),
                "allow ec2:DescribeRegions (or account:ListRegions) to the stage's role",
            ))
        }
    }
}

/// `opt-in-not-required`, `opted-in`, `not-opted-in` (DescribeRegions' optInStatus).
fn opt_in(status: &str) -> RegionOptIn {
    match status {
        "opt-in-not-required" => RegionOptIn::EnabledByDefault,
        "opted-in" => RegionOptIn::Enabled,
        _ => RegionOptIn::Disabled,
    }
}

/// The text of each child of `element` named `name`, in order.
fn texts(element: &mut ScopedDecoder, names: &[&str]) -> Vec<Option<String>> {
    let mut found = vec![None; names.len()];
    while let Some(mut child) = element.next_tag() {
        if let Some(at) = names.iter().position(|n| child.start_el().matches(n)) {
            found[at] = try_data(&mut child).ok().map(|text| text.to_string());
        }
    }
    found
}

/// The regions of a DescribeRegions answer, sorted; an error answer's code and message.
pub fn parse(body: &str) -> Result<Vec<(String, RegionOptIn)>, (String, String)> {
    let unreadable = |why: String| ("Unreadable".to_string(), why);
    let mut document = Document::new(body);
    let mut root = document
        .root_element()
        .map_err(|e| unreadable(e.to_string()))?;
    if root.start_el().matches("Response") {
        // <Response><Errors><Error><Code/><Message/></Error></Errors></Response>
        while let Some(mut errors) = root.next_tag() {
            if let Some(mut error) = errors.next_tag() {
                let found = texts(&mut error, &["Code", "Message"]);
                return Err((
                    found[0].clone().unwrap_or_default(),
                    found[1].clone().unwrap_or_default(),
                ));
            }
        }
        return Err(unreadable("an error answer without an error".into()));
    }
    let mut regions = Vec::new();
    while let Some(mut tag) = root.next_tag() {
        if !tag.start_el().matches("regionInfo") {
            continue;
        }
        while let Some(mut item) = tag.next_tag() {
            let found = texts(&mut item, &["regionName", "optInStatus"]);
            if let Some(name) = found[0].clone() {
                regions.push((name, opt_in(found[1].as_deref().unwrap_or_default())));
            }
        }
    }
    regions.sort();
    Ok(regions)
}

impl Ec2Regions {
    pub fn new(config: &SdkConfig) -> Ec2Regions {
        Ec2Regions {
            credentials: config.credentials_provider(),
            region: config.region().map(|r| r.to_string()),
            endpoint: config.endpoint_url().map(String::from),
        }
    }

    /// DescribeRegions with AllRegions, signed for this configuration's region.
    pub async fn describe_regions(&self) -> Result<Vec<(String, RegionOptIn)>, CloudError> {
        let region = self.region.clone().unwrap_or_else(|| "us-east-1".into());
        let url = self.endpoint.clone().unwrap_or_else(|| {
            let suffix = if region.starts_with("cn-") {
                "amazonaws.com.cn"
            } else {
                "amazonaws.com"
            };
            format!("https://ec2.{region}.{suffix}/")
        });
        let credentials = self
            .credentials
            .as_ref()
            .ok_or_else(|| {
                failure(
                    CloudErrorKind::NoCredentials,
                    "DescribeRegions: no credentials",
                    "set a profile for the stage (accounts.<stage>.profile) or AWS credentials",
                )
            })?
            .provide_credentials()
            .await
            .map_err(|err| {
                failure(
                    CloudErrorKind::NoCredentials,
                    format!("DescribeRegions: {err}"),
                    "renew the credentials (aws sso login), then try again",
                )
            })?;
        let identity: Identity = credentials.into();
        let invalid = |err: String| {
            failure(
                CloudErrorKind::Invalid,
                format!("DescribeRegions could not be signed: {err}"),
                "check the stage's region and endpoint",
            )
        };
        let mut request = http::Request::builder()
            .method("POST")
            .uri(&url)
            .header(
                "content-type",
                "application/x-www-form-urlencoded; charset=utf-8",
            )
            .body(Full::new(BODY.as_bytes()))
            .map_err(|e| invalid(e.to_string()))?;
        let host = request
            .uri()
            .authority()
            .map(|a| a.to_string())
            .unwrap_or_default();
        request.headers_mut().insert(
            "host",
            http::HeaderValue::from_str(&host).map_err(|e| invalid(e.to_string()))?,
        );
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&region)
            .name("ec2")
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| invalid(e.to_string()))?
            .into();
        let headers: Vec<(String, String)> = request
            .headers()
            .iter()
            .filter_map(|(k, v)| Some((k.to_string(), v.to_str().ok()?.to_string())))
            .collect();
        let signable = SignableRequest::new(
            "POST",
            &url,
            headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            SignableBody::Bytes(BODY.as_bytes()),
        )
        .map_err(|e| invalid(e.to_string()))?;
        let (instructions, _) = sign(signable, &params)
            .map_err(|e| invalid(e.to_string()))?
            .into_parts();
        instructions.apply_to_request_http1x(&mut request);

        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_native_roots(rustls::crypto::aws_lc_rs::default_provider())
            .map_err(|e| {
                failure(
                    CloudErrorKind::Connection,
                    format!("DescribeRegions: no TLS roots: {e}"),
                    "install the system's CA certificates",
                )
            })?
            .https_or_http()
            .enable_http1()
            .build();
        let client =
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .build(connector);
        let connection = |err: String| {
            failure(
                CloudErrorKind::Connection,
                format!("DescribeRegions: {err}"),
                "check the network (a proxy, the VPN) and try again",
            )
        };
        let response = tokio::time::timeout(TIMEOUT, client.request(request))
            .await
            .map_err(|_| connection(format!("no answer in {} s", TIMEOUT.as_secs())))?
            .map_err(|e| connection(e.to_string()))?;
        let status = response.status();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| connection(e.to_string()))?
            .to_bytes();
        answer(status, &String::from_utf8_lossy(&body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_gives_each_region_its_opt_in_status() {
        let body = r#"<?xml version="1.0" encoding="UTF-8"?>
<DescribeRegionsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>59dbff89-35bd-4eac-99ed-be587EXAMPLE</requestId>
  <regionInfo>
    <item><regionName>us-east-1</regionName><regionEndpoint>ec2.us-east-1.amazonaws.com</regionEndpoint><optInStatus>opt-in-not-required</optInStatus></item>
    <item><regionName>me-south-1</regionName><regionEndpoint>ec2.me-south-1.amazonaws.com</regionEndpoint><optInStatus>opted-in</optInStatus></item>
    <item><regionName>af-south-1</regionName><regionEndpoint>ec2.af-south-1.amazonaws.com</regionEndpoint><optInStatus>not-opted-in</optInStatus></item>
  </regionInfo>
</DescribeRegionsResponse>"#;
        assert_eq!(
            parse(body).unwrap(),
            [
                ("af-south-1".to_string(), RegionOptIn::Disabled),
                ("me-south-1".to_string(), RegionOptIn::Enabled),
                ("us-east-1".to_string(), RegionOptIn::EnabledByDefault),
            ]
        );
    }

    #[test]
    fn an_empty_error_answer_names_the_operation_the_status_and_a_hint() {
        let error = answer(http::StatusCode::FORBIDDEN, "").unwrap_err();
        assert_eq!(
            error.message,
            "DescribeRegions: HTTP 403 with an empty answer"
        );
        assert_eq!(error.kind, CloudErrorKind::AccessDenied);
        assert!(error.hint.contains("ec2:DescribeRegions"), "{}", error.hint);
        let proxy = answer(
            http::StatusCode::BAD_GATEWAY,
            "<html><body>\n<h1>502 Bad Gateway</h1></body></html>",
        )
        .unwrap_err();
        assert_eq!(
            proxy.message,
            "DescribeRegions: HTTP 502 with an answer that is not EC2's (a proxy's page?)"
        );
    }

    #[test]
    fn an_error_answer_gives_its_code_and_message() {
        let body = "<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>You are not authorized to perform this operation.</Message></Error></Errors><RequestID>x</RequestID></Response>";
        assert_eq!(
            parse(body).unwrap_err(),
            (
                "UnauthorizedOperation".to_string(),
                "You are not authorized to perform this operation.".to_string()
            )
        );
    }
}
