/**
 * Schema-only twins of the Kubernetes types the custom resources embed (Toleration, ResourceRequirements,
 * LabelSelector, Condition): the same fields with descriptions, used through {@code @SchemaFrom} so that every field
 * of the generated CRDs is documented for {@code kubectl explain}. Never instantiated; the model keeps the Fabric8
 * types at run time.
 */
package dev.pinhole.api.schema;
