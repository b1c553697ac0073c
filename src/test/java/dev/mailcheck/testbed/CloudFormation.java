package dev.mailcheck.testbed;

import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * infra/template.yaml as CloudFormation reads it, and the IAM policies of a function resolved for the
 * resources a test created (so that moto can enforce exactly what the template grants).
 */
public final class CloudFormation {

    public static final Path TEMPLATE = Path.of("infra/template.yaml");
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Pattern SUB = Pattern.compile("\\$\\{([^}!]+)}");

    private CloudFormation() {
    }

    public static JsonNode template() {
        try {
            return read(TEMPLATE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The policy documents of a function's role: the role's inline policies and every AWS::IAM::Policy
     * attached to it, with intrinsics resolved from {@code names} (pseudo parameters, {@code Ref}s by
     * logical id, {@code GetAtt}s as {@code Id.Attribute}); conditions are false (no VPC, no JWT).
     */
    public static List<String> policies(JsonNode template, String function, Map<String, String> names) {
        JsonNode resources = template.path("Resources");
        String role = resources.path(function).at("/Properties/Role/Fn::GetAtt").path(0).asText();
        if (role.isEmpty()) {
            throw new IllegalArgumentException(function + " has no Role of its own in the template");
        }
        List<String> documents = new ArrayList<>();
        resources.path(role).at("/Properties/Policies")
                .forEach(p -> documents.add(resolve(p.path("PolicyDocument"), names).toString()));
        resources.properties().forEach(r -> {
            JsonNode properties = r.getValue().path("Properties");
            if (r.getValue().path("Type").asText().equals("AWS::IAM::Policy")) {
                for (JsonNode attached : properties.path("Roles")) {
                    if (attached.path("Ref").asText().equals(role)) {
                        documents.add(resolve(properties.path("PolicyDocument"), names).toString());
                    }
                }
            }
        });
        return documents;
    }

    /**
     * Resolves Ref, Fn::GetAtt, Fn::Sub, Fn::Join, Fn::Select, Fn::Split, Fn::If (conditions false) and the
     * condition functions Fn::Equals, Fn::Not, Fn::And, Fn::Or and the rule function Fn::EachMemberEquals (to
     * booleans).
     */
    public static JsonNode resolve(JsonNode node, Map<String, String> names) {
        if (node.isArray()) {
            ArrayNode out = NODES.arrayNode();
            for (JsonNode item : node) {
                JsonNode value = resolve(item, names);
                if (value != null) {
                    out.add(value);
                }
            }
            return out;
        }
        if (!node.isObject()) {
            return node;
        }
        if (node.size() == 1) {
            String fn = node.fieldNames().next();
            JsonNode arg = node.get(fn);
            switch (fn) {
                case "Ref" -> {
                    return arg.asText().equals("AWS::NoValue") ? null : NODES.textNode(name(names, arg.asText()));
                }
                case "Fn::GetAtt" -> {
                    return NODES.textNode(name(names, arg.get(0).asText() + "." + arg.get(1).asText()));
                }
                case "Fn::Sub" -> {
                    String text = arg.isArray() ? arg.get(0).asText() : arg.asText();
                    Map<String, String> vars = new HashMap<>(names);
                    if (arg.isArray()) {
                        arg.get(1).properties().forEach(v -> vars.put(v.getKey(), resolve(v.getValue(), names).asText()));
                    }
                    Matcher m = SUB.matcher(text);
                    StringBuilder out = new StringBuilder();
                    while (m.find()) {
                        m.appendReplacement(out, Matcher.quoteReplacement(name(vars, m.group(1))));
                    }
                    return NODES.textNode(m.appendTail(out).toString());
                }
                case "Fn::Join" -> {
                    JsonNode list = resolve(arg.get(1), names);
                    if (list.isTextual()) {
                        return list; // a list parameter, given as its comma-joined text
                    }
                    List<String> parts = new ArrayList<>();
                    list.forEach(p -> parts.add(p.asText()));
                    return NODES.textNode(String.join(arg.get(0).asText(), parts));
                }
                case "Fn::Equals" -> {
                    return NODES.booleanNode(resolve(arg.get(0), names).asText().equals(resolve(arg.get(1), names).asText()));
                }
                case "Fn::EachMemberEquals" -> {
                    // A list parameter comes as its comma-joined text; an empty one is the list [""].
                    JsonNode list = resolve(arg.get(0), names);
                    String value = resolve(arg.get(1), names).asText();
                    List<String> members = new ArrayList<>();
                    if (list.isTextual()) {
                        members.addAll(List.of(list.asText().split(",", -1)));
                    } else {
                        list.forEach(m -> members.add(m.asText()));
                    }
                    return NODES.booleanNode(members.stream().allMatch(value::equals));
                }
                case "Fn::Not" -> {
                    return NODES.booleanNode(!resolve(arg.get(0), names).asBoolean());
                }
                case "Fn::And", "Fn::Or" -> {
                    boolean and = fn.equals("Fn::And");
                    boolean value = and;
                    for (JsonNode c : arg) {
                        value = and ? value && resolve(c, names).asBoolean() : value || resolve(c, names).asBoolean();
                    }
                    return NODES.booleanNode(value);
                }
                case "Fn::Select" -> {
                    return resolve(arg.get(1), names).get(arg.get(0).asInt());
                }
                case "Fn::Split" -> {
                    ArrayNode out = NODES.arrayNode();
                    for (String p : resolve(arg.get(1), names).asText().split(Pattern.quote(arg.get(0).asText()), -1)) {
                        out.add(p);
                    }
                    return out;
                }
                case "Fn::If" -> {
                    return resolve(arg.get(2), names);
                }
                default -> {
                }
            }
        }
        ObjectNode out = NODES.objectNode();
        node.properties().forEach(e -> {
            JsonNode value = resolve(e.getValue(), names);
            if (value != null) {
                out.set(e.getKey(), value);
            }
        });
        return out;
    }

    private static String name(Map<String, String> names, String name) {
        String value = names.get(name);
        if (value == null) {
            throw new IllegalArgumentException("the test gives no value for " + name);
        }
        return value;
    }

    /**
     * Reads a CloudFormation YAML template as the JSON CloudFormation would see: a short tag becomes its
     * long form ({@code !Ref X} → {"Ref": "X"}, {@code !GetAtt A.B} → {"Fn::GetAtt": ["A", "B"]},
     * {@code !Sub s} → {"Fn::Sub": "s"}, and so on). Jackson's YAML parser reports tags as type ids.
     */
    public static JsonNode read(Path file) throws IOException {
        try (YAMLParser parser = new YAMLFactory().createParser(file.toFile())) {
            parser.nextToken();
            return node(parser);
        }
    }

    private static JsonNode node(YAMLParser parser) throws IOException {
        String tag = parser.getTypeId();
        JsonNode value = switch (parser.currentToken()) {
            case START_OBJECT -> {
                ObjectNode object = NODES.objectNode();
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String field = parser.currentName();
                    parser.nextToken();
                    object.set(field, node(parser));
                }
                yield object;
            }
            case START_ARRAY -> {
                ArrayNode array = NODES.arrayNode();
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    array.add(node(parser));
                }
                yield array;
            }
            case VALUE_STRING -> NODES.textNode(parser.getText());
            case VALUE_NUMBER_INT -> switch (parser.getNumberType()) {
                case INT -> NODES.numberNode(parser.getIntValue());
                case LONG -> NODES.numberNode(parser.getLongValue());
                default -> NODES.numberNode(parser.getBigIntegerValue());
            };
            case VALUE_NUMBER_FLOAT -> NODES.numberNode(parser.getDecimalValue());
            case VALUE_TRUE, VALUE_FALSE -> NODES.booleanNode(parser.getBooleanValue());
            case VALUE_NULL -> NODES.nullNode();
            default -> throw new IOException("unexpected " + parser.currentToken() + " at " + parser.currentLocation());
        };
        if (tag == null) {
            return value;
        }
        if (tag.equals("Ref")) {
            return NODES.objectNode().set("Ref", value);
        }
        if (tag.equals("GetAtt") && value.isTextual()) {
            String[] parts = value.asText().split("\\.", 2);
            value = NODES.arrayNode().add(parts[0]).add(parts.length > 1 ? parts[1] : "");
        }
        return NODES.objectNode().set("Fn::" + tag, value);
    }
}
