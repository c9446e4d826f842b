//! Domain types: every value here is parsed once at the edge, so an invalid one cannot exist.

mod account_contact;
mod address;
mod directory;
mod fields;
mod ids;
mod login;
mod mailbox;
mod money;
pub mod password;
mod payment;
mod role;
mod sealed;
mod status;
mod text;
pub mod username;
pub mod webhook;

pub use account_contact::{
    AccountContact, AccountContactInput, AccountContactsRequest, CONTACT_KINDS,
};
pub use address::{
    ADDRESS_PATTERN, DomainName, EmailAddress, MAILBOX_TARGET_PATTERN, TARGET_PATTERN,
};
pub use directory::{
    AliasCreateRequest, AliasInput, ContactRequest, GlobalContact, ListRequest, MemberRequest,
    NewAlias, NewList,
};
pub use fields::phone;
pub use ids::{OrderId, OwnerId};
pub use login::{
    ACCOUNT_PASSWORD_PATTERN, AccountUserChange, AccountUserRequest, USER_NAME_PATTERN, UserName,
};
pub use mailbox::{
    AddressInput, Contact, CurrentMailbox, Field, FieldProblems, Flag, MailboxChange,
    MailboxCreateRequest, MailboxSettings, MailboxUpdateRequest, NameInput, NewMailbox, OwnerInput,
    PersonName, Phones, PhonesInput, PostalAddress, RecipientLimit, SettingsInput,
};
pub use money::{Currency, Money};
pub use password::{HashMemory, MAX_MEMORY_KIB, Password, PasswordHash};
pub use payment::{
    BillingAddress, BillingAddressInput, CardType, PaymentInfoRequest, PaymentMethod,
};
pub use role::Role;
pub use sealed::{SealKey, SealedPassword};
pub use status::{AccountStatus, AddOn, BillingStatus, OrderStatus, StepKind};
pub use text::{BoundedText, PHONE_PATTERN, TEXT_PATTERN};
pub use username::{LocalName, Username};

/// Why a value was refused; shown to the client next to the field's name.
pub type Problem = String;
