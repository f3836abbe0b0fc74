//! The command line: users, calendar, audit, configuration errors.

use crate::both;
use crate::e2e::harness::Env;

both!(user_calendar_and_audit_commands, |env: Env| async move {
    let (code, out, err) = env.run(&["migrate"], None);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("数据库已是最新版本"));
    // No units yet: adding a user names the problem.
    let (code, _, err) = env
        .run(&["user", "add", "wang", "--role", "clerk", "--unit", "xfj", "--password-stdin"], Some("long-enough\n"));
    assert_eq!(code, 2);
    assert!(err.contains("单位「xfj」不存在"), "{err}");
    let (code, _, _) = env.run(&["demo", "--no-serve"], None);
    assert_eq!(code, 0);
    let (code, out, err) = env
        .run(&["user", "add", "wang", "--role", "clerk", "--unit", "xfj", "--password-stdin"], Some("long-enough\n"));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("已添加用户 wang"), "{out}");
    let (code, _, err) = env
        .run(&["user", "add", "wang", "--role", "clerk", "--unit", "xfj", "--password-stdin"], Some("long-enough\n"));
    assert_eq!(code, 2);
    assert!(err.contains("已被使用"), "{err}");
    let (code, _, err) =
        env.run(&["user", "add", "li", "--role", "boss", "--unit", "xfj", "--password-stdin"], Some("long-enough\n"));
    assert_eq!(code, 2);
    assert!(err.contains("角色「boss」无效"), "{err}");
    let (code, _, err) =
        env.run(&["user", "add", "li", "--role", "clerk", "--unit", "xfj", "--password-stdin"], Some("short\n"));
    assert_eq!(code, 2);
    assert!(err.contains("密码至少 8 位"), "{err}");
    let (_, out, _) = env.run(&["user", "list"], None);
    assert!(out.lines().any(|l| l.contains("wang") && l.contains("clerk")), "{out}");

    // The new user can sign in over the API.
    let s = env.start(false);
    let r = s
        .request(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(serde_json::json!({"username": "wang", "password": "long-enough"})),
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    drop(s);

    let (code, out, _) = env.run(&["calendar", "list"], None);
    assert_eq!(code, 0);
    assert!(out.contains("2026\t国务院通知"), "{out}");
    let (code, out, _) = env.run(&["calendar", "show", "2031"], None);
    assert_eq!(code, 0);
    assert!(out.contains("derived"), "a year without a notice is derived: {out}");
    let bad = env.dir.join("bad.toml");
    std::fs::write(
        &bad,
        "year = 2027\nsource = { kind = \"derived\" }\nholidays = [{ name = \"元旦\", date = \"2026-01-01\" }]\n",
    )
    .unwrap();
    let (code, _, err) = env.run(&["calendar", "import", bad.to_str().unwrap()], None);
    assert_eq!(code, 2);
    assert!(err.contains("2026-01-01") && err.contains("第 3 行"), "{err}");
    let (code, out, err) = env.run(&["audit", "verify"], None);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("哈希链校验通过"), "{out}");
});

#[test]
fn help_and_bad_configuration() {
    let out = std::process::Command::new(crate::e2e::harness::BIN).arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for cmd in ["serve", "demo", "migrate", "user", "calendar", "audit", "--database-url", "--data-key"] {
        assert!(help.contains(cmd), "--help does not mention {cmd}:\n{help}");
    }
    let out = std::process::Command::new(crate::e2e::harness::BIN)
        .args(["--database-url", "mysql://x", "migrate"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("不支持的数据库地址"));
    let out = std::process::Command::new(crate::e2e::harness::BIN)
        .args(["--data-key", "short", "--database-url", "sqlite::memory:", "migrate"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("数据密钥无效"));
}

both!(a_new_deployment_from_nothing, |env: Env| async move {
    // No demo: the operator adds the bureau, a county and the first administrator by hand.
    let (code, _, err) = env.run(&["unit", "add", "xfj", "--name", "某市信访局", "--kind", "office"], None);
    assert_eq!(code, 2);
    assert!(err.contains("单位类别「office」无效"), "{err}");
    let (code, out, err) =
        env.run(&["unit", "add", "xfj", "--name", "某市信访局", "--kind", "bureau", "--stationed"], None);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("已添加单位 xfj"), "{out}");
    let (code, _, err) =
        env.run(&["unit", "add", "14010", "--name", "某区", "--kind", "county", "--parent", "xfj"], None);
    assert_eq!(code, 2);
    assert!(err.contains("6 位行政区划代码"), "{err}");
    let (code, _, err) =
        env.run(&["unit", "add", "140105", "--name", "某区", "--kind", "county", "--parent", "nope"], None);
    assert_eq!(code, 2);
    assert!(err.contains("上级单位不存在"), "{err}");
    let (code, _, _) = env
        .run(&["unit", "add", "140105", "--name", "某区", "--kind", "county", "--parent", "xfj", "--stationed"], None);
    assert_eq!(code, 0);
    let (_, out, _) = env.run(&["unit", "list"], None);
    assert!(out.contains("xfj\t某市信访局\tbureau") && out.contains("140105\t某区\tcounty\txfj\t进驻"), "{out}");
    let (code, _, err) = env
        .run(&["user", "add", "wang", "--role", "clerk", "--unit", "xfj", "--password-stdin"], Some("long-enough\n"));
    assert_eq!(code, 0, "{err}");

    // The shipped categories are there from the first migration; their departments do not exist
    // here, so they route by place (属地) until the administrator says otherwise.
    let s = env.start(false);
    let r = s
        .request(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(serde_json::json!({"username": "wang", "password": "long-enough"})),
            &[],
        )
        .await;
    let token = r.body["token"].as_str().unwrap().to_string();
    let cats = s.get("/api/v1/categories", &token).await.body;
    assert_eq!(cats.as_array().unwrap().len(), 14);
    assert!(cats.as_array().unwrap().iter().all(|c| c["default_unit"].is_null()));
    let r = s
        .post(
            "/api/v1/cases",
            &token,
            serde_json::json!({"channel": "phone", "petition_type": "suggestion", "category": "urban",
                "statement": "路灯不亮", "place": {"county": "140105"}, "petitioners": [{"name": "某人"}]}),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
});
