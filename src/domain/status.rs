//! Statuses and steps as types: the rules of the order state machine. Each status is stored as
//! the text the API shows, written only through `as_str` and read back once, where rows are
//! decoded (`parse`); nothing else spells them. The moves each status allows are one function
//! per enum (`can_move_to`), which both the store and the handlers ask; a step's effect on a
//! mailbox is said by [`StepKind`].

/// Defines a status enum with its stored spelling, the list of its values and `parse`.
macro_rules! spelled {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal,)* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vdoc])* $variant,)*
        }

        impl $name {
            /// Every value, in the order the API lists them.
            pub const ALL: &'static [Self] = &[$(Self::$variant,)*];

            /// Their spellings, in the same order.
            pub const NAMES: &'static [&'static str] = &[$($text,)*];

            /// The stored and shown spelling.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)*
                }
            }

            pub fn parse(raw: &str) -> Option<Self> {
                match raw {
                    $($text => Some(Self::$variant),)*
                    _ => None,
                }
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some(Self::NAMES.iter().copied()))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

spelled! {
    /// A mailbox's billing status (Hostway's `billingStatus`).
    BillingStatus {
        /// A paid line of an open order, not submitted yet.
        New = "new",
        /// Hostway's status for an order placed with the billing system; mailorder never sets
        /// it, but lists may be filtered by it.
        Placed = "placed",
        /// Being provisioned (created or restored).
        Pending = "pending",
        Open = "open",
        /// Its account is suspended or closed: no login, no mail, data kept.
        Suspended = "suspended",
        ClosePending = "close_pending",
        /// Closed without purging (`purge=0`): restorable until the restore window ends.
        Closed = "closed",
        PurgePending = "purge_pending",
    }
}

impl BillingStatus {
    /// The moves a mailbox's billing status may make: by an order's submit (`new` → `pending`),
    /// a step starting (to its pending status), a step finishing (to its outcome) or failing
    /// (back to where it started), and its account's suspension or reopening. A purge that
    /// finishes deletes the row, and a failed creation deletes it too: no status follows those.
    pub fn can_move_to(self, next: Self) -> bool {
        use BillingStatus::*;
        matches!(
            (self, next),
            (New, Pending)
                | (Pending, Open)
                | (Open | Suspended, ClosePending)
                | (ClosePending, Closed | Open | Suspended)
                | (Closed, Pending)
                | (Pending, Closed)
                | (Open | Suspended | Closed, PurgePending)
                | (PurgePending, Open | Suspended | Closed)
                | (Open, Suspended)
                | (Suspended, Open)
        )
    }

    /// An order is open or a step is under way: the account's status cannot change now.
    pub fn is_unsettled(self) -> bool {
        use BillingStatus::*;
        matches!(self, New | Placed | Pending | ClosePending | PurgePending)
    }

    /// The statuses in which a mailbox can log in (the API and the mail servers).
    pub fn can_log_in(self) -> bool {
        self == Self::Open
    }
}

spelled! {
    /// A customer account's status.
    AccountStatus {
        /// A draft: the account an open order sets up (only the order shows it).
        New = "new",
        Pending = "pending",
        Open = "open",
        Suspended = "suspended",
        Closed = "closed",
        /// Deleted (`DELETE /accounts/{acct}`): not found anywhere (docs §6.5's purged account).
        Purged = "purged",
    }
}

impl AccountStatus {
    /// `PUT /accounts/{acct}` may set `open`, `suspended` or `closed` on any account that is
    /// not `pending` (being provisioned); setting the status it has changes nothing.
    pub fn can_move_to(self, next: Self) -> bool {
        let settable = |s: Self| !matches!(s, Self::Pending | Self::New | Self::Purged);
        settable(self) && settable(next)
    }

    /// The billing status this account status moves the account's mailboxes from, and to; and
    /// whether they are active in the mail directory afterwards. `None` for `pending`, which no
    /// change sets.
    pub fn mailbox_move(self) -> Option<(BillingStatus, BillingStatus, bool)> {
        use BillingStatus::{Open, Suspended};
        match self {
            Self::Open => Some((Suspended, Open, true)),
            Self::Suspended | Self::Closed => Some((Open, Suspended, false)),
            Self::Pending | Self::New | Self::Purged => None,
        }
    }
}

spelled! {
    /// An order's status, and each of its lines', spelled exactly as the API shows it.
    OrderStatus {
        /// Open: lines may be added until it is submitted or cancelled.
        New = "new",
        Processing = "Processing",
        Completed = "Completed",
        Failed = "Failed",
        Cancelled = "Cancelled",
    }
}

impl OrderStatus {
    /// An open order is submitted (`Processing`) or cancelled; a submitted one completes or
    /// fails. Nothing leaves `Completed`, `Failed` or `Cancelled`.
    pub fn can_move_to(self, next: Self) -> bool {
        use OrderStatus::*;
        matches!(
            (self, next),
            (New, Processing | Cancelled) | (Processing, Completed | Failed)
        )
    }

    /// Whether the order can still change.
    pub fn is_final(self) -> bool {
        Self::ALL.iter().all(|next| !self.can_move_to(*next))
    }
}

/// A mailbox add-on (docs §2.7): bought through an order, shown as `archiving`/`blackberry`
/// (0/1) on the mailbox once provisioned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AddOn {
    Archiving,
    Blackberry,
}

impl AddOn {
    pub const ALL: [AddOn; 2] = [AddOn::Archiving, AddOn::Blackberry];

    /// The path segment, the catalog's name and `mailbox_addons.addon`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Archiving => "archiving",
            Self::Blackberry => "blackberry",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == raw)
    }

    /// How quotes and messages name it.
    pub fn title(self) -> &'static str {
        match self {
            Self::Archiving => "Archiving",
            Self::Blackberry => "BlackBerry",
        }
    }
}

impl std::fmt::Display for AddOn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a step does to a mailbox. Stored as `order_items.kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepKind {
    Create,
    Close,
    Restore,
    Purge,
    /// Carries a change of forwarding to the platform (the `http` agent; the directory has it
    /// already).
    Update,
    /// Carries a new password to the platform.
    SetPassword,
    /// Carries the account's suspension or reopening to the platform.
    AccountStatus,
    /// Makes a mailing list (its `order_items.username` is the list's name) deliver.
    CreateList,
    /// Removes a mailing list.
    DeleteList,
    /// Adds an add-on to an open mailbox (`order_items.username` is the mailbox).
    AddAddOn(AddOn),
    /// Removes an add-on from a mailbox.
    RemoveAddOn(AddOn),
    /// Carries an alias's or a list's address (`order_items.username` is its local part), as it
    /// routes when the step runs, to a platform behind the `http` agent.
    SyncAddress,
    /// An order's new account opens (`pending` → `open`).
    OpenAccount,
    /// An order's API user is added to its account (`order_items.username` is the user name).
    CreateUser,
    /// An order's contacts replace its account's.
    SetContacts,
    /// An order's payment method becomes its account's default.
    AddPayment,
    /// Exchange on an order's domain opens (`order_items.username` is the domain).
    CreateExchange,
    /// A deleted account's last step, after its mailboxes and lists are purged: its domains,
    /// logins, attributes and payment methods go, and it is `purged` (`order_items.username`
    /// is the account number).
    CloseAccount,
}

impl StepKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create_mailbox",
            Self::Close => "close_mailbox",
            Self::Restore => "restore_mailbox",
            Self::Purge => "purge_mailbox",
            Self::Update => "update_mailbox",
            Self::SetPassword => "set_password",
            Self::AccountStatus => "account_status",
            Self::CreateList => "create_list",
            Self::DeleteList => "delete_list",
            Self::AddAddOn(AddOn::Archiving) => "add_archiving",
            Self::AddAddOn(AddOn::Blackberry) => "add_blackberry",
            Self::RemoveAddOn(AddOn::Archiving) => "remove_archiving",
            Self::RemoveAddOn(AddOn::Blackberry) => "remove_blackberry",
            Self::SyncAddress => "sync_address",
            Self::OpenAccount => "open_account",
            Self::CreateUser => "create_user",
            Self::SetContacts => "set_contacts",
            Self::AddPayment => "add_payment",
            Self::CreateExchange => "create_exchange",
            Self::CloseAccount => "close_account",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [
            Self::Create,
            Self::Close,
            Self::Restore,
            Self::Purge,
            Self::Update,
            Self::SetPassword,
            Self::AccountStatus,
            Self::CreateList,
            Self::DeleteList,
            Self::AddAddOn(AddOn::Archiving),
            Self::AddAddOn(AddOn::Blackberry),
            Self::RemoveAddOn(AddOn::Archiving),
            Self::RemoveAddOn(AddOn::Blackberry),
            Self::SyncAddress,
            Self::OpenAccount,
            Self::CreateUser,
            Self::SetContacts,
            Self::AddPayment,
            Self::CreateExchange,
            Self::CloseAccount,
        ]
        .into_iter()
        .find(|k| k.as_str() == raw)
    }

    /// Steps that bring the platform's copy of a mailbox up to date with mailorder's record,
    /// read when the step runs; they leave the mailbox's billing status alone.
    pub fn is_sync(self) -> bool {
        matches!(self, Self::Update | Self::SetPassword | Self::AccountStatus)
    }

    /// The steps on mailorder's own records of an account (a generic order's setup, an
    /// account's deletion), which the store runs itself.
    pub fn is_account_step(self) -> bool {
        matches!(
            self,
            Self::OpenAccount
                | Self::CreateUser
                | Self::SetContacts
                | Self::AddPayment
                | Self::CreateExchange
                | Self::CloseAccount
        )
    }

    /// Steps on a mailing list rather than a mailbox.
    pub fn is_list(self) -> bool {
        matches!(self, Self::CreateList | Self::DeleteList)
    }

    /// The add-on an add-on step adds or removes.
    pub fn add_on(self) -> Option<AddOn> {
        match self {
            Self::AddAddOn(a) | Self::RemoveAddOn(a) => Some(a),
            _ => None,
        }
    }

    /// The billing status of what the step works on (a mailbox, a list or an add-on) while
    /// it is under way; `None` for sync steps, which never move it. Add-on steps leave the
    /// mailbox's own status alone: theirs is the add-on's.
    pub fn pending_status(self) -> Option<BillingStatus> {
        match self {
            Self::Create | Self::Restore | Self::CreateList => Some(BillingStatus::Pending),
            Self::Close => Some(BillingStatus::ClosePending),
            Self::Purge | Self::DeleteList => Some(BillingStatus::PurgePending),
            Self::AddAddOn(_) => Some(BillingStatus::Pending),
            Self::RemoveAddOn(_) => Some(BillingStatus::PurgePending),
            Self::Update | Self::SetPassword | Self::AccountStatus | Self::SyncAddress => None,
            Self::OpenAccount
            | Self::CreateUser
            | Self::SetContacts
            | Self::AddPayment
            | Self::CreateExchange
            | Self::CloseAccount => None,
        }
    }

    /// Whether this step may start on a mailbox in `status`: a settled status from which the
    /// step's pending status is a move ([`BillingStatus::can_move_to`]).
    pub fn may_start_from(self, status: BillingStatus) -> bool {
        !status.is_unsettled()
            && self
                .pending_status()
                .is_some_and(|pending| status.can_move_to(pending))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_round_trip() {
        for s in BillingStatus::ALL {
            assert_eq!(BillingStatus::parse(s.as_str()), Some(*s));
        }
        for s in AccountStatus::ALL {
            assert_eq!(AccountStatus::parse(s.as_str()), Some(*s));
        }
        for s in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(s.as_str()), Some(*s));
        }
        assert_eq!(BillingStatus::parse("Open"), None);
        assert_eq!(OrderStatus::parse("completed"), None);
        for a in AddOn::ALL {
            assert_eq!(AddOn::parse(a.as_str()), Some(a));
            for k in [StepKind::AddAddOn(a), StepKind::RemoveAddOn(a)] {
                assert_eq!(StepKind::parse(k.as_str()), Some(k));
                assert_eq!(k.add_on(), Some(a));
            }
        }
        assert_eq!(StepKind::Create.add_on(), None);
    }

    #[test]
    fn order_moves() {
        use OrderStatus::*;
        assert!(New.can_move_to(Processing) && New.can_move_to(Cancelled));
        assert!(Processing.can_move_to(Completed) && Processing.can_move_to(Failed));
        assert!(!Processing.can_move_to(Cancelled) && !Completed.can_move_to(Failed));
        let finals: Vec<_> = OrderStatus::ALL.iter().filter(|s| s.is_final()).collect();
        assert_eq!(finals, [&Completed, &Failed, &Cancelled]);
    }

    #[test]
    fn mailbox_moves() {
        use BillingStatus::*;
        // Every step's pending status is reachable from where the step may start, and a failed
        // step can return there.
        for (from, pending) in [
            (Open, ClosePending),
            (Suspended, ClosePending),
            (Closed, Pending),
            (Open, PurgePending),
            (Suspended, PurgePending),
            (Closed, PurgePending),
        ] {
            assert!(from.can_move_to(pending) && pending.can_move_to(from));
        }
        assert!(!Closed.can_move_to(ClosePending) && !New.can_move_to(Open));
        assert!(
            !Pending.can_move_to(PurgePending),
            "a pending mailbox cannot be purged"
        );
        assert!(New.is_unsettled() && !Closed.is_unsettled());
    }

    #[test]
    fn account_moves() {
        use AccountStatus::*;
        assert!(Open.can_move_to(Suspended) && Suspended.can_move_to(Open));
        assert!(Open.can_move_to(Open) && Closed.can_move_to(Open));
        assert!(!Open.can_move_to(Pending) && !Pending.can_move_to(Open));
        assert_eq!(Pending.mailbox_move(), None);
        assert_eq!(
            Closed.mailbox_move(),
            Some((BillingStatus::Open, BillingStatus::Suspended, false))
        );
    }
}
