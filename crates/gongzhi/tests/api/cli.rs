//! The binary's commands against a real database (the test's own, SQLite or PostgreSQL).

use std::process::Command;

use gongzhi_platform::testing::TestApp;

fn gongzhi(app: &TestApp, dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_gongzhi"))
        .args(args)
        .arg("--data-dir")
        .arg(dir)
        .env("DATABASE_URL", &app.state.config.database_url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run gongzhi")
}

#[tokio::test]
async fn init_user_token_verify_and_backup() {
    let app = TestApp::new(gongzhi::modules()).await;
    let dir = std::env::temp_dir().join(format!("gongzhi-cli-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = gongzhi(
        &app,
        &dir,
        &[
            "init",
            "--district-code",
            "440308000000",
            "--district-name",
            "盐田区",
            "--admin",
            "root.admin",
            "--password",
            "Root2026ok",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = gongzhi(
        &app,
        &dir,
        &[
            "init",
            "--district-code",
            "440308000000",
            "--district-name",
            "盐田区",
            "--admin",
            "x.admin",
        ],
    );
    assert!(
        !out.status.success(),
        "a second init of the same code fails"
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("已存在"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = gongzhi(
        &app,
        &dir,
        &[
            "user",
            "add",
            "--username",
            "qu.sup",
            "--password",
            "Super2026x",
            "--role",
            "supervisor",
            "--scope",
            "440308000000",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = gongzhi(
        &app,
        &dir,
        &[
            "user",
            "add",
            "--username",
            "bad",
            "--password",
            "short",
            "--role",
            "street_admin",
            "--scope",
            "440308000000",
        ],
    );
    assert!(
        !out.status.success(),
        "street admins sit on streets; password too short"
    );

    let out = gongzhi(&app, &dir, &["token", "create", "--username", "qu.sup"]);
    assert!(out.status.success());
    let token = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let mut sup = app.anon();
    sup.bearer = Some(token);
    let page = sup.get("/api/v1/audit").await.json();
    assert!(page["items"].as_array().unwrap().len() >= 3, "{page}");

    let out = gongzhi(&app, &dir, &["audit", "seal"]);
    assert!(out.status.success());
    let out = gongzhi(&app, &dir, &["audit", "verify"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    use gongzhi_platform::sea_orm::ConnectionTrait;
    app.state
        .db
        .write
        .execute_unprepared("UPDATE audit_entries SET actor_name = 'someone' WHERE chain_index = 2")
        .await
        .unwrap();
    let out = gongzhi(&app, &dir, &["audit", "verify"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("#2"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    if gongzhi_platform::testing::backend_name() == "sqlite" {
        let copy = dir.join("backup.sqlite");
        let out = gongzhi(&app, &dir, &["backup", "--to", copy.to_str().unwrap()]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(std::fs::metadata(&copy).unwrap().len() > 0);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Run the binary, killing it (and failing) if it has not exited within `limit`: a command that
/// finished its work must never hang at exit (a cron job would pile up).
fn gongzhi_within(
    app: &TestApp,
    dir: &std::path::Path,
    args: &[&str],
    limit: std::time::Duration,
) -> std::process::ExitStatus {
    let mut child = Command::new(env!("CARGO_BIN_EXE_gongzhi"))
        .args(args)
        .arg("--data-dir")
        .arg(dir)
        .env("DATABASE_URL", &app.state.config.database_url)
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("run gongzhi");
    let start = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("gongzhi {args:?} did not exit within {limit:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[tokio::test]
async fn short_commands_exit_cleanly_every_time() {
    let app = TestApp::new(gongzhi::modules()).await;
    let dir = std::env::temp_dir().join(format!("gongzhi-cli-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let limit = std::time::Duration::from_secs(60);
    let init = [
        "init",
        "--district-code",
        "440308000000",
        "--district-name",
        "盐田区",
        "--admin",
        "root.admin",
        "--password",
        "Root2026ok",
    ];
    assert!(gongzhi_within(&app, &dir, &init, limit).success());
    let commands: [&[&str]; 4] = [
        &["audit", "seal"],
        &["audit", "verify"],
        &["migrate"],
        &["jobs", "list"],
    ];
    for round in 0..10 {
        for args in commands {
            let status = gongzhi_within(&app, &dir, args, limit);
            assert!(status.success(), "round {round}: {args:?} exited {status}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
