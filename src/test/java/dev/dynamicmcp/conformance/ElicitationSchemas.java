package dev.dynamicmcp.conformance;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The JSON schemas the fixture sends or advertises, spelled out as the scenarios check them. */
final class ElicitationSchemas {
    private ElicitationSchemas() {
    }

    /** tools-call-elicitation: a username and an email, both required. */
    static Map<String, Object> usernameAndEmail() {
        return object(properties(
                "username", Map.of("type", "string", "description", "User's response"),
                "email", Map.of("type", "string", "description", "User's email address")),
                List.of("username", "email"));
    }

    /** elicitation-sep1034-defaults: a default for every primitive type (SEP-1034). */
    static Map<String, Object> withDefaults() {
        return object(properties(
                "name", Map.of("type", "string", "description", "Your name", "default", "John Doe"),
                "age", Map.of("type", "integer", "description", "Your age", "default", 30),
                "score", Map.of("type", "number", "description", "Your score", "default", 95.5),
                "status", Map.of("type", "string", "description", "Your status",
                        "enum", List.of("active", "inactive", "pending"), "default", "active"),
                "verified", Map.of("type", "boolean", "description", "Whether you are verified", "default", true)),
                List.of());
    }

    /** elicitation-sep1330-enums: the five enum shapes of SEP-1330. */
    static Map<String, Object> enumVariants() {
        return object(properties(
                "untitledSingle", Map.of("type", "string", "description", "Untitled single-select",
                        "enum", List.of("option1", "option2", "option3")),
                "titledSingle", Map.of("type", "string", "description", "Titled single-select",
                        "oneOf", List.of(titled("value1", "First Option"), titled("value2", "Second Option"),
                                titled("value3", "Third Option"))),
                "legacyEnum", Map.of("type", "string", "description", "Legacy titled enum (enumNames)",
                        "enum", List.of("opt1", "opt2", "opt3"),
                        "enumNames", List.of("Option One", "Option Two", "Option Three")),
                "untitledMulti", Map.of("type", "array", "description", "Untitled multi-select",
                        "items", Map.of("type", "string", "enum", List.of("option1", "option2", "option3"))),
                "titledMulti", Map.of("type", "array", "description", "Titled multi-select",
                        "items", Map.of("anyOf", List.of(titled("value1", "First Choice"),
                                titled("value2", "Second Choice"), titled("value3", "Third Choice"))))),
                List.of());
    }

    /** json-schema-2020-12 (pending in 0.1.16): $schema, $defs and additionalProperties must survive listing. */
    static Map<String, Object> jsonSchema2020() {
        Map<String, Object> schema = new LinkedHashMap<>();
        schema.put("$schema", "https://json-schema.org/draft/2020-12/schema");
        schema.put("type", "object");
        schema.put("$defs", Map.of("address", Map.of("type", "object", "properties", Map.of(
                "street", Map.of("type", "string"),
                "city", Map.of("type", "string")))));
        schema.put("properties", properties(
                "name", Map.of("type", "string"),
                "address", Map.of("$ref", "#/$defs/address")));
        schema.put("additionalProperties", false);
        return schema;
    }

    private static Map<String, Object> titled(String value, String title) {
        return Map.of("const", value, "title", title);
    }

    private static Map<String, Object> object(Map<String, Object> properties, List<String> required) {
        Map<String, Object> schema = new LinkedHashMap<>();
        schema.put("type", "object");
        schema.put("properties", properties);
        if (!required.isEmpty()) {
            schema.put("required", required);
        }
        return schema;
    }

    /** Keeps the declared order, which is the order a client shows the fields in. */
    private static Map<String, Object> properties(Object... namesAndSchemas) {
        Map<String, Object> properties = new LinkedHashMap<>();
        for (int i = 0; i < namesAndSchemas.length; i += 2) {
            properties.put((String) namesAndSchemas[i], namesAndSchemas[i + 1]);
        }
        return properties;
    }
}
