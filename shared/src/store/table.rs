//! The table's definition, for DynamoDB Local and the operator command. `template.yaml`
//! declares the same keys and indexes for AWS.

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType,
};

use super::{errors, keys, Store};
use crate::Error;

fn key(name: &str, kind: KeyType) -> Result<KeySchemaElement, Error> {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(kind)
        .build()
        .map_err(|e| Error::internal(e.to_string()))
}

fn attr(name: &str) -> Result<AttributeDefinition, Error> {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::S)
        .build()
        .map_err(|e| Error::internal(e.to_string()))
}

fn gsi(
    name: &str,
    pk: &str,
    sk: &str,
    projection: ProjectionType,
) -> Result<GlobalSecondaryIndex, Error> {
    GlobalSecondaryIndex::builder()
        .index_name(name)
        .key_schema(key(pk, KeyType::Hash)?)
        .key_schema(key(sk, KeyType::Range)?)
        .projection(Projection::builder().projection_type(projection).build())
        .build()
        .map_err(|e| Error::internal(e.to_string()))
}

impl Store {
    /// Creates the table unless it exists. Returns true when it was created.
    pub async fn create_table_if_missing(&self) -> Result<bool, Error> {
        let result = self
            .client
            .create_table()
            .table_name(&self.table)
            .billing_mode(BillingMode::PayPerRequest)
            .key_schema(key(keys::PK, KeyType::Hash)?)
            .key_schema(key(keys::SK, KeyType::Range)?)
            .attribute_definitions(attr(keys::PK)?)
            .attribute_definitions(attr(keys::SK)?)
            .attribute_definitions(attr(keys::GSI1PK)?)
            .attribute_definitions(attr(keys::GSI1SK)?)
            .attribute_definitions(attr(keys::GSI2PK)?)
            .attribute_definitions(attr(keys::GSI2SK)?)
            .attribute_definitions(attr(keys::GSI3PK)?)
            .attribute_definitions(attr(keys::GSI3SK)?)
            .attribute_definitions(attr(keys::GSI4PK)?)
            .attribute_definitions(attr(keys::GSI5PK)?)
            .attribute_definitions(attr(keys::GSI6PK)?)
            .global_secondary_indexes(gsi(
                keys::GSI1,
                keys::GSI1PK,
                keys::GSI1SK,
                ProjectionType::All,
            )?)
            .global_secondary_indexes(gsi(
                keys::GSI2,
                keys::GSI2PK,
                keys::GSI2SK,
                ProjectionType::All,
            )?)
            .global_secondary_indexes(gsi(
                keys::GSI3,
                keys::GSI3PK,
                keys::GSI3SK,
                ProjectionType::KeysOnly,
            )?)
            // The audit trail by target, actor and action; range key: the record's sort key.
            .global_secondary_indexes(gsi(
                keys::GSI4,
                keys::GSI4PK,
                keys::SK,
                ProjectionType::All,
            )?)
            .global_secondary_indexes(gsi(
                keys::GSI5,
                keys::GSI5PK,
                keys::SK,
                ProjectionType::All,
            )?)
            .global_secondary_indexes(gsi(
                keys::GSI6,
                keys::GSI6PK,
                keys::SK,
                ProjectionType::All,
            )?)
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_in_use_exception()) =>
            {
                Ok(false)
            }
            Err(e) => Err(errors::storage("CreateTable", e)),
        }
    }
}
