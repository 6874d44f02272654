//! The provider against moto in server mode (`.venv/bin/moto_server`, installed by
//! `scripts/tools-venv.sh`, or `MOTO_SERVER`), started on a free port of 127.0.0.1, and a
//! local HTTP server standing for CloudFormation's response URL (and, for the hand-over,
//! for Lambda's `Invoke`). moto's tasks stop on their own after a few `DescribeTasks`, their
//! container with exit code 0; failures come from ECS refusing to run a task, and exit
//! codes from `verdict` on ECS's own types.

use super::request::{Job, Kind};
use super::*;
use aws_sdk_ecs::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_ecs::types::{Container, ContainerDefinition, NetworkMode};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Instant;

struct Moto {
    child: Child,
    url: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Moto {
    fn start() -> Moto {
        let server = std::env::var_os("MOTO_SERVER")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/moto_server")
            });
        assert!(
            server.is_file(),
            "{} is missing: run `bash scripts/tools-venv.sh` (installs moto[server] into .venv), or set MOTO_SERVER",
            server.display()
        );
        let port = free_port();
        let child = Command::new(&server)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server starts");
        let moto = Moto {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "moto_server did not listen");
            std::thread::sleep(Duration::from_millis(200));
        }
        moto
    }
}

/// A local HTTP server answering 200 (or `status`) to every request, handing each
/// (request line and headers, body) to the test.
fn recorder(status: u16) -> (String, mpsc::Receiver<(String, String)>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut data = Vec::new();
            let mut buf = [0u8; 4096];
            let (head, body) = loop {
                let n = stream.read(&mut buf).unwrap_or(0);
                if n == 0 {
                    break (String::from_utf8_lossy(&data).to_string(), String::new());
                }
                data.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&data).to_string();
                if let Some(end) = text.find("\r\n\r\n") {
                    let head = text[..end].to_string();
                    let length: usize = head
                        .lines()
                        .find_map(|l| {
                            let (k, v) = l.split_once(':')?;
                            k.eq_ignore_ascii_case("content-length")
                                .then(|| v.trim().parse().ok())?
                        })
                        .unwrap_or(0);
                    while data.len() < end + 4 + length {
                        let n = stream.read(&mut buf).unwrap_or(0);
                        if n == 0 {
                            break;
                        }
                        data.extend_from_slice(&buf[..n]);
                    }
                    let body = String::from_utf8_lossy(&data[end + 4..]).to_string();
                    break (head, body);
                }
            };
            let reason = if status == 200 { "OK" } else { "Accepted" };
            let _ = write!(
                stream,
                "HTTP/1.1 {status} {reason}\r\ncontent-length: 2\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n{{}}"
            );
            if tx.send((head, body)).is_err() {
                return;
            }
        }
    });
    (url, rx)
}

fn clients(moto: &str, lambda: &str) -> Clients {
    let creds = Credentials::new("testing", "testing", None, None, "test");
    let ecs = aws_sdk_ecs::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(moto)
        .http_client(sdk_http_client())
        .credentials_provider(creds.clone())
        .build();
    let lambda = aws_sdk_lambda::Config::builder()
        .behavior_version(aws_sdk_lambda::config::BehaviorVersion::latest())
        .region(aws_sdk_lambda::config::Region::new("us-east-1"))
        .endpoint_url(lambda)
        .http_client(sdk_http_client())
        .credentials_provider(creds)
        .build();
    Clients {
        ecs: aws_sdk_ecs::Client::from_conf(ecs),
        lambda: aws_sdk_lambda::Client::from_conf(lambda),
        http: respond::Http::new().unwrap(),
    }
}

const FAST: Settings = Settings {
    poll: Duration::from_millis(20),
    handover: Duration::from_secs(60),
    give_up: Duration::from_secs(120),
};

/// A cluster and a task definition (`bridge`: moto needs no VPC for it); its ARN.
async fn setup(c: &Clients, family: &str, mode: NetworkMode) -> String {
    c.ecs
        .create_cluster()
        .cluster_name("shop")
        .send()
        .await
        .unwrap();
    let out = c
        .ecs
        .register_task_definition()
        .family(family)
        .network_mode(mode)
        .cpu("256")
        .memory("512")
        .container_definitions(
            ContainerDefinition::builder()
                .name("migrate")
                .image("public.ecr.aws/docker/library/alpine:3")
                .memory(512)
                .essential(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
    out.task_definition()
        .unwrap()
        .task_definition_arn()
        .unwrap()
        .to_string()
}

fn event(kind: &str, url: &str, task_definition: &str, extra: Value) -> Value {
    let mut props = json!({
        "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:ComposeToECS-Jobs",
        "ServiceTimeout": "3600",
        "Cluster": "shop",
        "TaskDefinition": task_definition,
        "Container": "migrate",
        "LaunchType": "FARGATE",
        "PlatformVersion": "LATEST",
        "Retries": "0",
        "LogGroup": "shop-logs",
        "LogStreamPrefix": "shop",
    });
    if let Value::Object(extra) = extra {
        for (k, v) in extra {
            props[k] = v;
        }
    }
    json!({
        "RequestType": kind,
        "ResponseURL": format!("{url}/response?signature=x"),
        "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/s/1",
        "RequestId": "r-1",
        "LogicalResourceId": "ShopMigrateJob",
        "ResourceProperties": props,
    })
}

fn far() -> u64 {
    now_ms() + 600_000
}

async fn task_count(c: &Clients) -> usize {
    c.ecs
        .list_tasks()
        .cluster("shop")
        .send()
        .await
        .unwrap()
        .task_arns()
        .len()
}

#[tokio::test(flavor = "current_thread")]
async fn runs_the_task_to_completion_and_again_for_a_new_definition() {
    let moto = Moto::start();
    let (url, answers) = recorder(200);
    let c = clients(&moto.url, &url);
    let td = setup(&c, "shop-migrate", NetworkMode::Bridge).await;
    let outcome = handle(&c, &event("Create", &url, &td, json!({})), "f", far(), FAST)
        .await
        .unwrap();
    let (head, body) = answers.recv_timeout(Duration::from_secs(10)).unwrap();
    assert!(head.starts_with("PUT /response?signature=x "), "{head}");
    let doc: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(Outcome::Answered(doc.clone()), outcome);
    assert_eq!(doc["Status"], "SUCCESS", "{doc}");
    assert_eq!(doc["Data"]["ExitCode"], "0");
    assert_eq!(doc["LogicalResourceId"], "ShopMigrateJob");
    let physical = doc["PhysicalResourceId"].as_str().unwrap().to_string();
    assert!(
        physical.contains(":task/") && physical.ends_with(&td),
        "{physical}"
    );
    assert_eq!(task_count(&c).await, 1);

    // The same task definition again (a rollback, another property changed): no run.
    let mut update = event("Update", &url, &td, json!({"Retries": "2"}));
    update["PhysicalResourceId"] = json!(physical);
    handle(&c, &update, "f", far(), FAST).await.unwrap();
    let (_, body) = answers.recv_timeout(Duration::from_secs(10)).unwrap();
    let doc: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(doc["Status"], "SUCCESS");
    assert_eq!(doc["PhysicalResourceId"], json!(physical));
    assert_eq!(task_count(&c).await, 1);

    // A new task definition: the job runs again.
    let td2 = setup(&c, "shop-migrate", NetworkMode::Bridge).await;
    assert_ne!(td, td2);
    let mut update = event("Update", &url, &td2, json!({}));
    update["PhysicalResourceId"] = json!(physical);
    handle(&c, &update, "f", far(), FAST).await.unwrap();
    let (_, body) = answers.recv_timeout(Duration::from_secs(10)).unwrap();
    let doc: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(doc["Status"], "SUCCESS");
    assert!(doc["PhysicalResourceId"].as_str().unwrap().ends_with(&td2));
    assert_eq!(task_count(&c).await, 2);
}

#[tokio::test(flavor = "current_thread")]
async fn a_job_ecs_refuses_fails_after_its_retries_with_the_reason() {
    let moto = Moto::start();
    let (url, answers) = recorder(200);
    let c = clients(&moto.url, &url);
    // `awsvpc` without a network configuration: ECS refuses to run it.
    let td = setup(&c, "shop-broken", NetworkMode::Awsvpc).await;
    handle(
        &c,
        &event("Create", &url, &td, json!({"Retries": "2"})),
        "f",
        far(),
        FAST,
    )
    .await
    .unwrap();
    let (_, body) = answers.recv_timeout(Duration::from_secs(10)).unwrap();
    let doc: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(doc["Status"], "FAILED", "{doc}");
    let reason = doc["Reason"].as_str().unwrap();
    assert!(
        reason.starts_with("job `migrate` failed after 3 runs: run 1 could not start: RunTask: "),
        "{reason}"
    );
    assert!(reason.contains("run 3 could not start"), "{reason}");
    assert!(
        reason.contains("Network Configuration must be provided"),
        "{reason}"
    );
    assert_eq!(doc["PhysicalResourceId"], "ShopMigrateJob-not-run");
}

#[tokio::test(flavor = "current_thread")]
async fn delete_stops_a_running_task_and_answers_success() {
    let moto = Moto::start();
    let (url, answers) = recorder(200);
    let c = clients(&moto.url, &url);
    let td = setup(&c, "shop-migrate", NetworkMode::Bridge).await;
    let job = Job::parse(
        event("Create", &url, &td, json!({}))["ResourceProperties"]
            .as_object()
            .unwrap(),
    )
    .unwrap();
    let task = run_task(&c, &job, "ShopMigrateJob").await.unwrap();
    let mut delete = event("Delete", &url, &td, json!({}));
    delete["PhysicalResourceId"] = json!(physical_id(&task, &td));
    handle(&c, &delete, "f", far(), FAST).await.unwrap();
    let (_, body) = answers.recv_timeout(Duration::from_secs(10)).unwrap();
    let doc: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(doc["Status"], "SUCCESS");
    let out = c
        .ecs
        .describe_tasks()
        .cluster("shop")
        .tasks(&task)
        .send()
        .await
        .unwrap();
    let t = &out.tasks()[0];
    assert_eq!(t.last_status(), Some("STOPPED"));
    assert_eq!(
        t.stopped_reason(),
        Some("its CloudFormation job resource was deleted")
    );
    // A Delete of a job that never ran.
    let mut delete = event("Delete", &url, &td, json!({}));
    delete["PhysicalResourceId"] = json!("ShopMigrateJob-not-run");
    handle(&c, &delete, "f", far(), FAST).await.unwrap();
    let (_, body) = answers.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["Status"],
        "SUCCESS"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn near_its_deadline_the_provider_hands_over_to_itself() {
    let moto = Moto::start();
    let (url, answers) = recorder(200);
    let (lambda, invokes) = recorder(202);
    let c = clients(&moto.url, &lambda);
    let td = setup(&c, "shop-migrate", NetworkMode::Bridge).await;
    let function = "arn:aws:lambda:us-east-1:123456789012:function:ComposeToECS-Jobs";
    // 30 s left, under the 60 s kept back: the first look already hands over.
    let outcome = handle(
        &c,
        &event("Create", &url, &td, json!({})),
        function,
        now_ms() + 30_000,
        FAST,
    )
    .await
    .unwrap();
    let Outcome::HandedOver(state) = outcome else {
        panic!("{outcome:?}")
    };
    let (head, body) = invokes.recv_timeout(Duration::from_secs(10)).unwrap();
    assert!(
        head.starts_with("POST /2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3AComposeToECS-Jobs/invocations"),
        "{head}"
    );
    assert!(
        head.to_ascii_lowercase()
            .contains("x-amz-invocation-type: event"),
        "{head}"
    );
    let sent: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(sent, state);
    assert!(answers.try_recv().is_err(), "no answer before the job ends");
    // The next invocation picks the state up and finishes.
    let outcome = handle(&c, &sent, function, far(), FAST).await.unwrap();
    let (_, body) = answers.recv_timeout(Duration::from_secs(10)).unwrap();
    let doc: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(Outcome::Answered(doc.clone()), outcome);
    assert_eq!(doc["Status"], "SUCCESS", "{doc}");
    assert_eq!(doc["RequestId"], "r-1");
}

#[tokio::test(flavor = "current_thread")]
async fn past_the_service_timeout_the_job_fails() {
    let moto = Moto::start();
    let (url, answers) = recorder(200);
    let c = clients(&moto.url, &url);
    let td = setup(&c, "shop-migrate", NetworkMode::Bridge).await;
    let state = State {
        request: Request::parse(&event(
            "Create",
            &url,
            &td,
            json!({"ServiceTimeout": "600"}),
        ))
        .unwrap(),
        task: None,
        runs: 0,
        failures: Vec::new(),
        // Started 9 minutes ago: under the 2 minutes kept back from 10.
        started_ms: now_ms() - 540_000,
    };
    assert_eq!(state.request.kind, Kind::Create);
    handle(&c, &state.to_event(), "f", far(), FAST)
        .await
        .unwrap();
    let (_, body) = answers.recv_timeout(Duration::from_secs(10)).unwrap();
    let doc: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(doc["Status"], "FAILED");
    assert_eq!(
        doc["Reason"],
        "job `migrate` failed after 0 runs: no run completed within 600 s"
    );
}

fn job() -> Job {
    Job::parse(
        json!({"Cluster": "c", "TaskDefinition": "td", "Container": "migrate", "LogGroup": "g", "LogStreamPrefix": "shop"})
            .as_object()
            .unwrap(),
    )
    .unwrap()
}

fn stopped(exit: Option<i32>, code: Option<TaskStopCode>, reason: &str) -> Task {
    let mut c = Container::builder().name("migrate");
    if let Some(e) = exit {
        c = c.exit_code(e);
    }
    Task::builder()
        .last_status("STOPPED")
        .set_stop_code(code)
        .stopped_reason(reason)
        .containers(c.build())
        .containers(
            Container::builder()
                .name("migrate_Secrets_InitContainer")
                .exit_code(0)
                .build(),
        )
        .build()
}

#[test]
fn the_verdict_is_the_containers_exit_code() {
    let own = Some(TaskStopCode::EssentialContainerExited);
    let exited = "Essential container in task exited";
    assert_eq!(
        verdict(&job(), &stopped(Some(0), own.clone(), exited)),
        Ok(0)
    );
    assert_eq!(
        verdict(&job(), &stopped(Some(3), own.clone(), exited)),
        Err("exit code 3, stop code EssentialContainerExited, stopped reason: Essential container in task exited".into())
    );
    // Stopped by someone: a failure even when the process exited with 0 on SIGTERM.
    assert_eq!(
        verdict(
            &job(),
            &stopped(
                Some(0),
                Some(TaskStopCode::UserInitiated),
                "Task stopped by user"
            )
        ),
        Err("exit code 0, stop code UserInitiated, stopped reason: Task stopped by user".into())
    );
    assert_eq!(
        verdict(&job(), &stopped(None, Some(TaskStopCode::TaskFailedToStart), "CannotPullContainerError: pull access denied")),
        Err("no exit code, stop code TaskFailedToStart, stopped reason: CannotPullContainerError: pull access denied".into())
    );
    assert_eq!(
        job().log_stream("arn:aws:ecs:r:1:task/c/0123").unwrap(),
        "log group `g`, stream `shop/migrate/0123`"
    );
}
