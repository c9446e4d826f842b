//! The API's listener for a graceful stop without cut connections. On stop it takes the
//! connections the kernel has completed, then closes the socket (new connections are refused),
//! and only a moment later are the connections told to finish: one accepted just before the stop, whose request is still on its way, would
//! otherwise count as idle and be closed under the client's request.

use std::net::SocketAddr;
use std::task::Poll;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// How long connections accepted before the stop have to deliver their request.
pub const FIRST_REQUEST_GRACE: Duration = Duration::from_millis(250);

/// A `TcpListener` that stops accepting, and closes its socket, when `stop` turns true.
pub struct StoppingListener {
    inner: Option<TcpListener>,
    addr: SocketAddr,
    stop: watch::Receiver<bool>,
}

impl StoppingListener {
    pub fn new(inner: TcpListener, stop: watch::Receiver<bool>) -> std::io::Result<Self> {
        let addr = inner.local_addr()?;
        Ok(Self {
            inner: Some(inner),
            addr,
            stop,
        })
    }
}

impl axum::serve::Listener for StoppingListener {
    type Io = TcpStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Some(inner) = self.inner.as_mut() else {
                return std::future::pending().await;
            };
            tokio::select! {
                biased;
                _ = self.stop.wait_for(|s| *s) => {}
                accepted = axum::serve::Listener::accept(&mut *inner) => return accepted,
            }
            // Stopping: connections the kernel has completed already are taken and served;
            // then closing the socket refuses whatever connects from now on.
            let ready = std::future::poll_fn(|cx| Poll::Ready(inner.poll_accept(cx))).await;
            match ready {
                Poll::Ready(Ok(accepted)) => return accepted,
                _ => self.inner = None,
            }
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
