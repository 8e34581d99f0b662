//! Turns SDK errors into `CloudError`s with a hint a person can act on.

use aws_sdk_cloudformation::config::http::HttpResponse;
use aws_sdk_cloudformation::error::{ProvideErrorMetadata, SdkError};

use crate::cloud::context::StageContext;
use crate::cloud::{CloudError, CloudErrorKind};
use crate::text::one_line;

const THROTTLING: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestLimitExceeded",
    "TooManyRequestsException",
    "RequestThrottled",
];
const EXPIRED: &[&str] = &[
    "ExpiredToken",
    "ExpiredTokenException",
    "RequestExpired",
    "TokenRefreshRequired",
];
const BAD_CREDENTIALS: &[&str] = &[
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "SignatureDoesNotMatch",
    "InvalidSignatureException",
];

/// Classifies an SDK error of any operation; `action` names what was attempted.
pub fn classify<E>(
    error: SdkError<E, HttpResponse>,
    context: &StageContext,
    action: &str,
) -> CloudError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let stage = context.stage;
    let profile = context.describe_profile();
    match &error {
        SdkError::ServiceError(service) => {
            let err = service.err();
            let code = err.code().unwrap_or_default();
            let message = err.message().unwrap_or_default().to_string();
            let status = service.raw().status();
            // An answer with no code and no message still says its status, and what its body
            // was when it had one (a proxy's HTML page is named, not quoted).
            let body = service.raw().body().bytes().unwrap_or_default();
            let said = match (code.is_empty(), message.is_empty()) {
                (true, true) if body.iter().all(u8::is_ascii_whitespace) => {
                    format!("HTTP {} with an empty answer", status.as_u16())
                }
                (true, true) => format!(
                    "HTTP {} with {}",
                    status.as_u16(),
                    one_line(&String::from_utf8_lossy(body), 80).0
                ),
                (_, true) => code.to_string(),
                _ => format!("{code}: {}", one_line(&message, 300).0),
            };
            if THROTTLING.contains(&code) || message.contains("Rate exceeded") {
                CloudError::new(
                    CloudErrorKind::Throttled,
                    format!("{action}: throttled by AWS ({said})"),
                    "AWS limits the call rate: try again in a moment (followers back off by themselves)",
                )
            } else if EXPIRED.contains(&code) || message.contains("expired") {
                CloudError::new(
                    CloudErrorKind::ExpiredCredentials,
                    format!("{action}: the credentials of {profile} ({stage}) expired"),
                    format!(
                        "run `{}`, then retry (in the TUI: press r)",
                        context.login_command()
                    ),
                )
            } else if BAD_CREDENTIALS.contains(&code) {
                CloudError::new(
                    CloudErrorKind::NoCredentials,
                    format!(
                        "{action}: AWS rejected the credentials of {profile} ({stage}): {said}"
                    ),
                    format!(
                        "check the keys of {profile}, or run `{}`",
                        context.login_command()
                    ),
                )
            } else if code == "AccessDenied"
                || code == "AccessDeniedException"
                || code == "UnauthorizedOperation"
            {
                CloudError::new(
                    CloudErrorKind::AccessDenied,
                    format!("{action}: access denied in the {stage} account: {said}"),
                    format!("grant the permission to the role of {profile}"),
                )
            } else if message.contains("does not exist")
                || code.ends_with("NotFound")
                || code.ends_with("NotFoundException")
            {
                CloudError::new(
                    CloudErrorKind::NotFound,
                    format!("{action}: {said}"),
                    "check the name and the stage/region",
                )
            } else if status.is_server_error() {
                // 500, 502, 503, 504: the service's side; retrying is what AWS advises.
                CloudError::new(
                    CloudErrorKind::Connection,
                    if said.starts_with("HTTP ") {
                        format!("{action}: AWS answered {said}")
                    } else {
                        format!("{action}: AWS answered HTTP {} ({said})", status.as_u16())
                    },
                    "this is on AWS's side: try again in a moment",
                )
            } else if code == "ValidationError" || code.starts_with("Invalid") {
                CloudError::new(CloudErrorKind::Invalid, format!("{action}: {said}"), "")
            } else if code.is_empty() && message.is_empty() {
                let hint = match status.as_u16() {
                    401 | 403 => format!(
                        "the call was refused without a reason: check that the role of {profile} may call {action} here, and that the endpoint serves it"
                    ),
                    404 => format!(
                        "the endpoint does not serve {action} (a local emulator may not implement it)"
                    ),
                    _ => format!(
                        "nothing more came back: try again, and check that the endpoint serves {action}"
                    ),
                };
                CloudError::new(CloudErrorKind::Service, format!("{action}: {said}"), hint)
            } else {
                CloudError::new(CloudErrorKind::Service, format!("{action}: {said}"), "")
            }
        }
        SdkError::TimeoutError(_) => CloudError::new(
            CloudErrorKind::Connection,
            format!("{action}: AWS did not answer in time"),
            "check the network or the endpoint, then try again",
        ),
        SdkError::DispatchFailure(failure) => {
            let detail = source_chain(&error);
            if failure.is_user() || detail.contains("credential") || detail.contains("token") {
                let expired = detail.contains("expired") || detail.contains("Token has expired");
                CloudError::new(
                    if expired {
                        CloudErrorKind::ExpiredCredentials
                    } else {
                        CloudErrorKind::NoCredentials
                    },
                    format!("{action}: no usable credentials for {profile} ({stage}): {detail}"),
                    format!(
                        "run `{}` (or configure the profile), then retry",
                        context.login_command()
                    ),
                )
            } else {
                CloudError::new(
                    CloudErrorKind::Connection,
                    format!("{action}: the connection to AWS failed: {detail}"),
                    "check the network, a proxy, or --endpoint-url, then try again",
                )
            }
        }
        SdkError::ResponseError(response)
            if response.raw().status().as_u16() >= 400 && !body_text(response.raw()).is_empty() =>
        {
            let status = response.raw().status().as_u16();
            CloudError::new(
                CloudErrorKind::Service,
                format!(
                    "{action}: the endpoint answered HTTP {status}: {}",
                    body_text(response.raw())
                ),
                "the endpoint does not serve this call as AWS would (an emulator or a proxy?): check --endpoint-url",
            )
        }
        SdkError::ResponseError(_) => CloudError::new(
            CloudErrorKind::Connection,
            format!(
                "{action}: the answer was cut off or unreadable: {}",
                source_chain(&error)
            ),
            "try again; if it keeps happening, check a proxy between you and AWS",
        ),
        _ => CloudError::new(
            CloudErrorKind::Service,
            format!("{action}: {}", source_chain(&error)),
            "",
        ),
    }
}

/// The readable text of an answer's body: tags and runs of white space dropped, at most 200
/// characters.
fn body_text(response: &HttpResponse) -> String {
    let Some(bytes) = response.body().bytes() else {
        return String::new();
    };
    let text = String::from_utf8_lossy(bytes);
    let mut plain = String::new();
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                plain.push(' ');
            }
            _ if !in_tag => plain.push(c),
            _ => {}
        }
    }
    let words: Vec<&str> = plain.split_whitespace().collect();
    let joined = words.join(" ");
    match joined.char_indices().nth(200) {
        Some((cut, _)) => format!("{}…", &joined[..cut]),
        None => joined,
    }
}

/// The error and all its sources, joined: the SDK's top-level message alone says little.
fn source_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.contains(&text) {
            parts.push(text);
        }
        source = cause.source();
    }
    parts.join(": ")
}
