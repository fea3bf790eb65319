export * from "./errors.ts";
export * from "./image-ref.ts";
export * from "./work-context.ts";
export * from "./container-builder.ts";
export * from "./oci-registry.ts";
export * from "./helm-registry.ts";
export * from "./continuous-delivery.ts";
export * from "./preflight.ts";
