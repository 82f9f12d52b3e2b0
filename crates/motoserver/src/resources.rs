//! Resources every user of the emulator creates the same way.

use aws_config::SdkConfig;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::create_table::CreateTableError;
use aws_sdk_dynamodb::types::{AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType};

/// Creates an on-demand table whose only key is the string HASH key `hash_key`, as the template's
/// events table. "It already exists" is the SDK's typed `ResourceInUseException`
/// (`error.as_service_error().is_some_and(|e| e.is_resource_in_use_exception())`).
pub async fn create_table(sdk: &SdkConfig, table: &str, hash_key: &str) -> Result<(), SdkError<CreateTableError>> {
    // Both builders only fail without their required fields, which are set right here.
    let key = KeySchemaElement::builder()
        .attribute_name(hash_key)
        .key_type(KeyType::Hash)
        .build()
        .map_err(SdkError::construction_failure)?;
    let attribute = AttributeDefinition::builder()
        .attribute_name(hash_key)
        .attribute_type(ScalarAttributeType::S)
        .build()
        .map_err(SdkError::construction_failure)?;
    aws_sdk_dynamodb::Client::new(sdk)
        .create_table()
        .table_name(table)
        .billing_mode(BillingMode::PayPerRequest)
        .key_schema(key)
        .attribute_definitions(attribute)
        .send()
        .await
        .map(|_| ())
}
