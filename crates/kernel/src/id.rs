//! Typed UUIDv7 identifiers, so a `UserId` can never be passed where an `OrgId` is expected.

/// Paths the [`typed_id!`] expansion uses, so callers need no direct `uuid`/`serde` dependency.
#[doc(hidden)]
pub mod __private {
    pub use serde;
    pub use uuid;
}

/// Declares `pub struct $Name(pub Uuid)`: a time-ordered (v7) id that serializes as its UUID.
#[macro_export]
macro_rules! typed_id {
    ($(#[$meta:meta])* $Name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $Name(pub $crate::id::__private::uuid::Uuid);

        impl $Name {
            /// A fresh id; v7 so ids sort by creation time and index well.
            pub fn new() -> Self {
                Self($crate::id::__private::uuid::Uuid::now_v7())
            }

            pub const fn as_uuid(&self) -> $crate::id::__private::uuid::Uuid {
                self.0
            }
        }

        impl ::core::default::Default for $Name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl ::core::fmt::Display for $Name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                ::core::fmt::Display::fmt(&self.0, f)
            }
        }

        impl ::core::str::FromStr for $Name {
            type Err = $crate::error::CodeError;

            fn from_str(s: &str) -> ::core::result::Result<Self, Self::Err> {
                $crate::id::__private::uuid::Uuid::parse_str(s.trim())
                    .map(Self)
                    .map_err(|_| $crate::error::CodeError::new("id.invalid"))
            }
        }

        impl ::core::convert::From<$crate::id::__private::uuid::Uuid> for $Name {
            fn from(uuid: $crate::id::__private::uuid::Uuid) -> Self {
                Self(uuid)
            }
        }

        impl ::core::convert::From<$Name> for $crate::id::__private::uuid::Uuid {
            fn from(id: $Name) -> Self {
                id.0
            }
        }

        impl $crate::id::__private::serde::Serialize for $Name {
            fn serialize<S>(&self, serializer: S) -> ::core::result::Result<S::Ok, S::Error>
            where
                S: $crate::id::__private::serde::Serializer,
            {
                $crate::id::__private::serde::Serialize::serialize(&self.0, serializer)
            }
        }

        impl<'de> $crate::id::__private::serde::Deserialize<'de> for $Name {
            fn deserialize<D>(deserializer: D) -> ::core::result::Result<Self, D::Error>
            where
                D: $crate::id::__private::serde::Deserializer<'de>,
            {
                <$crate::id::__private::uuid::Uuid as $crate::id::__private::serde::Deserialize>::deserialize(
                    deserializer,
                )
                .map(Self)
            }
        }
    };
}

typed_id!(
    /// A person with an account.
    UserId
);
typed_id!(
    /// One grant of a role to a user in a scope.
    RoleAssignmentId
);
typed_id!(
    /// An issued session or API token.
    TokenId
);
typed_id!(
    /// A hub (deployment tenant).
    HubId
);
typed_id!(
    /// One entry of the audit log.
    AuditEntryId
);
typed_id!(
    /// An organization (social organization, committee, company, office).
    OrgId
);

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;
    use crate::error::tests::assert_localised;

    #[test]
    fn new_ids_are_v7_and_ordered() {
        let a = UserId::new();
        let b = UserId::new();
        assert_eq!(a.as_uuid().get_version_num(), 7);
        assert_ne!(a, b);
        assert!(a < b, "v7 ids sort by creation time");
    }

    #[test]
    fn display_and_parse_round_trip() {
        let id = OrgId::new();
        assert_eq!(OrgId::from_str(&id.to_string()), Ok(id));
        assert_eq!(
            format!(" {id} ").parse::<OrgId>(),
            Ok(id),
            "surrounding space ignored"
        );
        let e = "not-a-uuid".parse::<OrgId>().unwrap_err();
        assert_eq!(e.key, "id.invalid");
        assert_localised(&e);
    }

    #[test]
    fn serializes_as_plain_uuid() {
        #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
        struct Row {
            id: HubId,
        }
        let row = Row { id: HubId::new() };
        let text = toml::to_string(&row).unwrap();
        assert_eq!(text.trim(), format!("id = \"{}\"", row.id));
        assert_eq!(toml::from_str::<Row>(&text).unwrap(), row);
        assert!(toml::from_str::<Row>("id = \"nope\"").is_err());
    }

    #[test]
    fn conversions() {
        let u = uuid::Uuid::now_v7();
        let id = TokenId::from(u);
        assert_eq!(uuid::Uuid::from(id), u);
        assert_eq!(id.0, u);
        let _ = (
            RoleAssignmentId::default(),
            AuditEntryId::default(),
            UserId::default(),
        );
    }
}
