//! 共治 Gongzhi: the binary's library half — the module list, the demo district and the CLI —
//! so integration tests assemble exactly what `gongzhi serve` runs.

pub mod cli;
pub mod demo;

use std::sync::Arc;

use gongzhi_platform::Module;

/// Every module of the platform, in dependency order. The only place modules are registered.
pub fn modules() -> Vec<Arc<dyn Module>> {
    vec![
        Arc::new(gongzhi_platform::api::CoreModule),
        Arc::new(gongzhi_orgs::OrgsModule),
        Arc::new(gongzhi_incubation::IncubationModule),
        Arc::new(gongzhi_catalog::CatalogModule),
        Arc::new(gongzhi_procurement::ProcurementModule),
    ]
}
