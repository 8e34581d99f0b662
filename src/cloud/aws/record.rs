//! `--record DIR`: every raw response a rollout's calls receive, one file each, so that a
//! user's first real rollout yields fixtures for the emulator (account ids are kept; credentials
//! never: the credential providers' own calls are not recorded, and a response field that holds
//! a secret is blanked).

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::AfterDeserializationInterceptorContextRef;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

/// Numbers the files in the order the responses came, across every connection of the process.
static SEQUENCE: AtomicUsize = AtomicUsize::new(0);

/// Response fields that may hold a secret.
const SECRETS: [&str; 3] = ["SecretAccessKey", "SessionToken", "secretAccessKey"];

/// Saves each response of one connection (one region) into `dir`.
#[derive(Debug, Clone)]
pub struct Recorder {
    pub dir: PathBuf,
    pub region: String,
}

/// `body` with every secret field's value blanked (JSON bodies; another body is kept as text
/// unless it names a secret, then it is dropped).
fn scrubbed(body: &[u8]) -> serde_json::Value {
    fn scrub(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, value) in map.iter_mut() {
                    if SECRETS.contains(&key.as_str()) {
                        *value = serde_json::Value::String("(not recorded)".into());
                    } else {
                        scrub(value);
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(scrub),
            _ => {}
        }
    }
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(mut value) => {
            scrub(&mut value);
            value
        }
        Err(_) => {
            let text = String::from_utf8_lossy(body).to_string();
            if SECRETS.iter().any(|secret| text.contains(secret)) {
                serde_json::Value::String("(not recorded: it names a secret)".into())
            } else {
                serde_json::Value::String(text)
            }
        }
    }
}

impl Intercept for Recorder {
    fn name(&self) -> &'static str {
        "regship::record"
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let (service, operation) = cfg
            .load::<Metadata>()
            .map(|m| (m.service().to_string(), m.name().to_string()))
            .unwrap_or_else(|| ("unknown".into(), "unknown".into()));
        let response = context.response();
        let record = serde_json::json!({
            "region": self.region,
            "service": service,
            "operation": operation,
            "status": response.status().as_u16(),
            "body": scrubbed(response.body().bytes().unwrap_or_default()),
        });
        let number = SEQUENCE.fetch_add(1, Ordering::SeqCst);
        let file = self
            .dir
            .join(format!("{number:05}-{}-{operation}.json", self.region));
        // A recording that cannot be written must not fail the call it records.
        if let Err(err) = std::fs::create_dir_all(&self.dir).and_then(|()| {
            std::fs::write(
                &file,
                serde_json::to_vec_pretty(&record).unwrap_or_default(),
            )
        }) {
            tracing::warn!(
                "{}: the response could not be recorded: {err}",
                file.display()
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_blanked_and_the_rest_kept() {
        let body = br#"{"Credentials": {"AccessKeyId": "ASIA", "SecretAccessKey": "s3cr3t", "SessionToken": "tok"}, "Account": "444455556666"}"#;
        let kept = scrubbed(body).to_string();
        assert!(
            !kept.contains("s3cr3t") && !kept.contains("tok\""),
            "{kept}"
        );
        assert!(kept.contains("444455556666"), "account ids are kept");
        let text = scrubbed(b"<SecretAccessKey>x</SecretAccessKey>");
        assert!(!text.to_string().contains(">x<"));
        assert_eq!(scrubbed(b"plain"), serde_json::json!("plain"));
    }
}
