//! CloudWatch Logs: a stream's newest lines, then only what is written after them.

use super::AwsCloud;
use super::errors::classify;
use crate::cloud::{CloudError, LogLine, LogLocation, LogPage};

impl AwsCloud {
    /// GetLogEvents. Without a token: the stream's last `tail` lines. With the token of the
    /// previous page: the lines written since (none when nothing new was written).
    pub async fn log_lines(
        &self,
        location: &LogLocation,
        token: Option<&str>,
        tail: i32,
    ) -> Result<LogPage, CloudError> {
        let mut request = self
            .clients
            .logs
            .get_log_events()
            .log_group_name(&location.group)
            .log_stream_name(&location.stream);
        request = match token {
            Some(token) => request.next_token(token).start_from_head(true),
            None => request.limit(tail).start_from_head(false),
        };
        let output = request
            .send()
            .await
            .map_err(|err| classify(err, &self.context, "GetLogEvents"))?;
        Ok(LogPage {
            lines: output
                .events()
                .iter()
                .map(|event| LogLine {
                    timestamp_ms: event.timestamp().unwrap_or_default(),
                    message: event
                        .message()
                        .unwrap_or_default()
                        .trim_end_matches(['\n', '\r'])
                        .to_string(),
                })
                .collect(),
            next_token: output
                .next_forward_token()
                .map(String::from)
                .or_else(|| token.map(String::from)),
        })
    }
}
