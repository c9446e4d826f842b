//! The API's listener for a graceful stop without cut connections. On stop it takes the
//! connections the kernel has completed, then closes the socket (new connections are refused),
//! and only a moment later are the connections told to finish: one accepted just before the stop, whose request is still on its way, would
//! otherwise count as idle and be closed under the client's request.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// How long connections accepted before the stop have to deliver their request.
pub const FIRST_REQUEST_GRACE: Duration = Duration::from_millis(250);

/// A `TcpListener` that stops accepting, and closes its socket, when `stop` turns true.
pub struct StoppingListener {
    inner: Option<TcpListener>,
    /// Connections the kernel had completed when the stop came, still to be served.
    drained: VecDeque<(TcpStream, SocketAddr)>,
    addr: SocketAddr,
    stop: watch::Receiver<bool>,
}

impl StoppingListener {
    pub fn new(inner: TcpListener, stop: watch::Receiver<bool>) -> std::io::Result<Self> {
        let addr = inner.local_addr()?;
        Ok(Self {
            inner: Some(inner),
            drained: VecDeque::new(),
            addr,
            stop,
        })
    }

    /// Takes every connection the kernel has completed (a non-blocking `accept` until it would
    /// block, whatever the reactor has seen so far), then closes the socket.
    fn drain(&mut self) {
        let Some(inner) = self.inner.take() else {
            return;
        };
        let Ok(listener) = inner.into_std() else {
            return;
        };
        while let Ok((stream, addr)) = listener.accept() {
            let taken = stream
                .set_nonblocking(true)
                .and_then(|()| TcpStream::from_std(stream));
            if let Ok(stream) = taken {
                self.drained.push_back((stream, addr));
            }
        }
        // `listener` is dropped here: from now on connections are refused.
    }
}

impl axum::serve::Listener for StoppingListener {
    type Io = TcpStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            if let Some(next) = self.drained.pop_front() {
                return next;
            }
            let Some(inner) = self.inner.as_mut() else {
                return std::future::pending().await;
            };
            tokio::select! {
                biased;
                _ = self.stop.wait_for(|s| *s) => {}
                accepted = axum::serve::Listener::accept(inner) => return accepted,
            }
            self.drain();
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.addr)
    }
}

/// The client's address, as `ConnectInfo` for connections of a [`StoppingListener`].
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub SocketAddr);

impl axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, StoppingListener>>
    for ClientAddr
{
    fn connect_info(stream: axum::serve::IncomingStream<'_, StoppingListener>) -> Self {
        Self(*stream.remote_addr())
    }
}
