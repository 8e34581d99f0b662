//! A loopback HTTP proxy between regship and moto that injects faults: refused connections,
//! answers cut off mid-way, latency, 503s, throttling and expired-token errors. One request per
//! connection (moto closes each connection after its answer, and the SDK reconnects).

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the proxy does to the next requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Forward as is.
    None,
    /// Accept, then close at once (as a refusing or crashed endpoint looks to a client).
    Refuse,
    /// Forward, then send only the first half of the answer and close.
    CutResponse,
    /// Wait this long before forwarding.
    Latency(Duration),
    /// Answer 503 Service Unavailable.
    Unavailable,
    /// Answer CloudFormation's throttling error.
    Throttle,
    /// Answer an expired-token error, as AWS does when session credentials expire.
    ExpiredToken,
    /// Answer 502 with a proxy's HTML error page.
    HtmlPage,
}

pub struct FaultProxy {
    pub endpoint: String,
    fault: Arc<Mutex<Fault>>,
    faulted: Arc<AtomicUsize>,
    forwarded: Arc<AtomicUsize>,
}

fn query_error(status: &str, code: &str, message: &str) -> Vec<u8> {
    let body = format!(
        "<ErrorResponse xmlns=\"http://cloudformation.amazonaws.com/doc/2010-05-15/\"><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>"
    );
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Reads one HTTP request: the headers, then Content-Length bytes of body.
pub fn read_request(client: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let mut request = Vec::new();
    let mut buffer = [0u8; 8192];
    let header_end = loop {
        let read = client.read(&mut buffer)?;
        if read == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        request.extend_from_slice(&buffer[..read]);
        if let Some(at) = request.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
    };
    let headers = String::from_utf8_lossy(&request[..header_end]).to_ascii_lowercase();
    let length: usize = headers
        .lines()
        .find_map(|line| line.strip_prefix("content-length:"))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or(0);
    while request.len() < header_end + length {
        let read = client.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        request.extend_from_slice(&buffer[..read]);
    }
    Ok(request)
}

fn forward(request: &[u8], upstream: u16) -> std::io::Result<Vec<u8>> {
    let mut server = TcpStream::connect(("127.0.0.1", upstream))?;
    server.write_all(request)?;
    let mut answer = Vec::new();
    server.read_to_end(&mut answer)?;
    Ok(answer)
}

impl FaultProxy {
    /// Listens on a free loopback port and forwards to `upstream` (a loopback port).
    pub fn start(upstream: u16) -> FaultProxy {
        let listener = TcpListener::bind(("127.0.0.1", 0)).unwrap();
        let endpoint = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        let fault = Arc::new(Mutex::new(Fault::None));
        let faulted = Arc::new(AtomicUsize::new(0));
        let forwarded = Arc::new(AtomicUsize::new(0));
        let (shared, faulted_count, forwarded_count) =
            (fault.clone(), faulted.clone(), forwarded.clone());
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let fault = *shared.lock().unwrap();
                let (faulted, forwarded) = (faulted_count.clone(), forwarded_count.clone());
                std::thread::spawn(move || {
                    let _ = serve(client, fault, upstream, &faulted, &forwarded);
                });
            }
        });
        FaultProxy {
            endpoint,
            fault,
            faulted,
            forwarded,
        }
    }

    pub fn set(&self, fault: Fault) {
        *self.fault.lock().unwrap() = fault;
    }

    /// Requests that met a fault so far.
    pub fn faulted(&self) -> usize {
        self.faulted.load(Ordering::SeqCst)
    }

    /// Requests forwarded whole so far.
    pub fn forwarded(&self) -> usize {
        self.forwarded.load(Ordering::SeqCst)
    }
}

fn serve(
    mut client: TcpStream,
    fault: Fault,
    upstream: u16,
    faulted: &AtomicUsize,
    forwarded: &AtomicUsize,
) -> std::io::Result<()> {
    client.set_read_timeout(Some(Duration::from_secs(30)))?;
    if fault == Fault::Refuse {
        faulted.fetch_add(1, Ordering::SeqCst);
        return client.shutdown(Shutdown::Both);
    }
    let request = read_request(&mut client)?;
    let answer = match fault {
        Fault::Unavailable => {
            b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                .to_vec()
        }
        Fault::HtmlPage => {
            let body = format!(
                "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n<body><h1>Bad Gateway</h1><p>The proxy server received an invalid response from an upstream server.</p>{}</body></html>",
                "<!-- padding -->".repeat(8)
            );
            format!(
                "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            )
            .into_bytes()
        }
        Fault::Throttle => query_error("400 Bad Request", "Throttling", "Rate exceeded"),
        Fault::ExpiredToken => query_error(
            "403 Forbidden",
            "ExpiredToken",
            "The security token included in the request is expired",
        ),
        Fault::Latency(pause) => {
            std::thread::sleep(pause);
            forward(&request, upstream)?
        }
        Fault::None | Fault::CutResponse | Fault::Refuse => forward(&request, upstream)?,
    };
    if fault == Fault::CutResponse {
        faulted.fetch_add(1, Ordering::SeqCst);
        client.write_all(&answer[..answer.len() / 2])?;
        return client.shutdown(Shutdown::Both);
    }
    if matches!(fault, Fault::None | Fault::Latency(_)) {
        forwarded.fetch_add(1, Ordering::SeqCst);
    } else {
        faulted.fetch_add(1, Ordering::SeqCst);
    }
    client.write_all(&answer)?;
    client.shutdown(Shutdown::Both)
}
