//! `Policy::authorize` and `scope_filter`: the decision every request makes.

use criterion::{Criterion, criterion_group, criterion_main};
use gongzhi_kernel::authz::{
    Actor, Grant, Permission, PermissionDecl, Policy, ResourceScope, Role, Scope, territory_path,
};
use gongzhi_kernel::id::UserId;
use std::hint::black_box;

fn policy() -> Policy {
    // Roughly the size the full platform will have: 60 permissions over 13 roles.
    let names: Vec<&'static str> = (0..60)
        .map(|i| &*Box::leak(format!("module{}.action{}", i / 6, i % 6).into_boxed_str()))
        .collect();
    Policy::new(names.into_iter().enumerate().map(|(i, n)| PermissionDecl {
        permission: Permission(n),
        roles: if i % 2 == 0 {
            &[Role::DistrictAdmin, Role::StreetAdmin, Role::CommunityAdmin]
        } else {
            &[Role::DistrictAdmin, Role::Supervisor]
        },
    }))
}

fn grant(role: Role, code: &str) -> Grant {
    let (_, path) = territory_path(code).unwrap();
    Grant {
        role,
        scope: Scope::Territory {
            code: code.into(),
            path: path.clone(),
        },
        home_path: path,
    }
}

fn bench(c: &mut Criterion) {
    let p = policy();
    let street_admin = Actor {
        user_id: UserId::new(),
        username: "a".into(),
        grants: vec![grant(Role::StreetAdmin, "440308002000")],
    };
    // Someone holding roles in many places (a worker covering several communities).
    let busy = Actor {
        user_id: UserId::new(),
        username: "b".into(),
        grants: (1..=10)
            .map(|i| grant(Role::CommunityAdmin, &format!("440308003{i:03}")))
            .collect(),
    };
    let inside = ResourceScope::territory(territory_path("440308002003").unwrap().1);
    let outside = ResourceScope::territory(territory_path("440308004003").unwrap().1);
    let perm = Permission("module3.action2");
    c.bench_function("authorize: street admin, allowed", |b| {
        b.iter(|| p.authorize(black_box(&street_admin), perm, black_box(&inside)))
    });
    c.bench_function("authorize: street admin, out of scope", |b| {
        b.iter(|| p.authorize(black_box(&street_admin), perm, black_box(&outside)))
    });
    c.bench_function("authorize: 10 grants, last one matches", |b| {
        let r = ResourceScope::territory(territory_path("440308003010").unwrap().1);
        b.iter(|| p.authorize(black_box(&busy), perm, black_box(&r)))
    });
    c.bench_function("scope_filter: 10 grants", |b| {
        b.iter(|| p.scope_filter(black_box(&busy), perm))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
