use std::sync::Arc;
use std::time::Duration;

use asyncapi_transport::websocket::{WsOptions, WsServer};
use asyncapi_transport_tests::{Record, WAIT, init_logs};
use streetlights_websocket::{Publisher, Router};

use crate::common::{assert_each_once, local, policy, streetlights_handler};

streetlights_handler!(streetlights_websocket, plain);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websocket_delivers_redelivers_replies_and_reconnects() {
    init_logs();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("an address").port();
    let server_record = Arc::new(Record::default());
    server_record.fail_first(602, 1);
    let (server, serving) = WsServer::serve(
        listener,
        &streetlights_websocket::API,
        Arc::new(Router::new(TestHandler(server_record.clone()))),
        policy(),
    );
    let client_record = Arc::new(Record::default());
    let options = WsOptions {
        reconnect_delay: Duration::from_millis(50),
        max_reconnect_delay: Duration::from_millis(300),
        ..WsOptions::default()
    };
    // The generated crate's own `connect` (feature `websocket`).
    let client =
        streetlights_websocket::connect::local(local(&format!("127.0.0.1:{port}")), options)
            .await
            .expect("connect");
    let client_serving = client
        .serve(
            Arc::new(Router::new(TestHandler(client_record.clone()))),
            policy(),
        )
        .await
        .expect("serve");
    assert!(client.wait_connected(WAIT).await, "sockets open");
    let publisher = Publisher::new(client.sink());
    let all = [600, 601, 602, 603];
    for l in all {
        publisher.report_light(&light(l)).await.expect("send");
    }
    assert_each_once(&server_record, &all, "websocket").await;
    assert_eq!(
        server_record.calls(602),
        2,
        "dispatched again after the failure"
    );
    // The reply comes back on the same socket.
    publisher
        .request_dim(&dim(55, "corr-ws-1"))
        .await
        .expect("request");
    // WebSocket frames carry no headers, so a correlation ID kept in a header does not
    // travel (the Kraken document keeps it in the payload for that reason).
    let ok = client_record
        .wait(WAIT, |r| r.replies().contains(&(None, 55)))
        .await;
    assert!(ok, "no reply\n{}", client_record.summary());
    // The server pushes to the client's socket.
    let ok = server_record.wait(WAIT, |_| server.peers() == 2).await;
    assert!(ok, "both sockets are open on the server");

    // The server goes away and comes back on the same port: the client opens its sockets
    // again and sends what was waiting.
    serving.shutdown().await;
    let gone = client_record.wait(WAIT, |_| !client.is_connected()).await;
    assert!(gone, "the client sees the server go");
    let listener = loop {
        match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
            Ok(l) => break l,
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    };
    let send = {
        let p = Publisher::new(client.sink());
        tokio::spawn(async move { p.report_light(&light(610)).await })
    };
    let (_server, serving) = WsServer::serve(
        listener,
        &streetlights_websocket::API,
        Arc::new(Router::new(TestHandler(server_record.clone()))),
        policy(),
    );
    send.await
        .expect("a send task")
        .expect("a send after the restart");
    assert_each_once(
        &server_record,
        &[600, 601, 602, 603, 610],
        "websocket after the restart",
    )
    .await;
    client_serving.shutdown().await;
    client.close();
    serving.shutdown().await;
}
