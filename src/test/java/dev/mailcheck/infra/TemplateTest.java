package dev.mailcheck.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mailcheck.aws.AwsConfig;
import dev.mailcheck.testbed.CloudFormation;
import jakarta.inject.Named;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * infra/template.yaml against the build: the handlers it names exist, every function gets every variable
 * AwsConfig reads, and the event wiring that keeps the service from triggering itself or losing work.
 * (cfn-lint, in scripts/test.sh, checks the template against CloudFormation and SAM themselves.)
 */
class TemplateTest {

    static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    static JsonNode template;

    @BeforeAll
    static void read() {
        template = CloudFormation.template();
    }

    /** The functions: logical id | QUARKUS_LAMBDA_HANDLER | the {@code @Named} handler class of that name. */
    static final String FUNCTIONS = """
            ApiFunction    | api | dev.mailcheck.aws.ApiHandler
            UploadFunction | s3  | dev.mailcheck.aws.S3UploadHandler
            ChunkFunction  | sqs | dev.mailcheck.aws.SqsChunkHandler
            FailureFunction | failures | dev.mailcheck.aws.FailureHandler
            SmtpFunction   | smtp | dev.mailcheck.aws.SqsSmtpHandler
            """;

    @ParameterizedTest(name = "{0}: QUARKUS_LAMBDA_HANDLER={1} is @Named {2}")
    @CsvSource(delimiter = '|', textBlock = FUNCTIONS)
    void handlerNameSelectsAHandlerOfTheBuild(String function, String name, String className) {
        assertEquals(name, variables(function).path("QUARKUS_LAMBDA_HANDLER").asText(null));
        Class<?> handler;
        try {
            handler = Class.forName(className, false, getClass().getClassLoader());
        } catch (ClassNotFoundException e) {
            fail(function + " selects '" + name + "', but " + className + " is not in the build");
            return;
        }
        Named named = handler.getAnnotation(Named.class);
        assertNotNull(named, className + " has no @Named, so QUARKUS_LAMBDA_HANDLER cannot select it");
        assertEquals(name, named.value());
        assertTrue(RequestHandler.class.isAssignableFrom(handler), className + " is not a RequestHandler");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = FUNCTIONS)
    void lambdaHandlerResolvesOnJava21WithSnapStart(String function) throws Exception {
        String[] handler = property(function, "Handler").asText().split("::");
        assertEquals(2, handler.length, "Handler is Class::method");
        Class<?> type = Class.forName(handler[0], false, getClass().getClassLoader());
        assertNotNull(type.getMethod(handler[1], InputStream.class, OutputStream.class, Context.class));

        assertEquals("java21", property(function, "Runtime").asText());
        // `aws cloudformation package` ignores a CodeUri in Globals: each function names the zip itself.
        assertTrue(template.at("/Globals/Function/CodeUri").isMissingNode(), "CodeUri in Globals");
        assertEquals(Path.of("target/function.zip"), CloudFormation.TEMPLATE.getParent()
                .resolve(template.at("/Resources/" + function + "/Properties/CodeUri").asText()).normalize());
        assertEquals("PublishedVersions", property(function, "SnapStart").path("ApplyOn").asText());
        assertFalse(property(function, "AutoPublishAlias").asText().isEmpty(),
                "SnapStart applies to published versions: events must go to an alias");
        assertEquals("JSON", property(function, "LoggingConfig").path("LogFormat").asText());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = FUNCTIONS)
    void everyVariableAwsConfigReadsIsSet(String function) {
        JsonNode variables = variables(function);
        for (String name : AwsConfig.VARIABLES) {
            assertTrue(variables.hasNonNull(name), function + " is not given " + name);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = FUNCTIONS)
    void everyFunctionStartsWithTheMeasuredJvmOptions(String function) {
        assertEquals(template.at("/Globals/Function/Environment/Variables/JAVA_TOOL_OPTIONS").asText(),
                variables(function).path("JAVA_TOOL_OPTIONS").asText(null), function + " overrides JAVA_TOOL_OPTIONS");
    }

    @Test
    void theTableListsEveryFunction() {
        Set<String> functions = new TreeSet<>();
        template.path("Resources").properties().forEach(r -> {
            if (r.getValue().path("Type").asText().equals("AWS::Serverless::Function")) {
                functions.add(r.getKey());
            }
        });
        Set<String> listed = new TreeSet<>();
        FUNCTIONS.lines().forEach(l -> listed.add(l.split("\\|")[0].strip()));
        assertEquals(listed, functions);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            # scenario                                                   | JSON pointer                                                                   | value there (JSON)
            uploads trigger the upload function                          | /Resources/UploadFunction/Properties/Events/Upload/Type                        | "S3"
            in the uploads bucket                                        | /Resources/UploadFunction/Properties/Events/Upload/Properties/Bucket           | {"Ref": "UploadBucket"}
            on every object created                                      | /Resources/UploadFunction/Properties/Events/Upload/Properties/Events           | "s3:ObjectCreated:*"
            under uploads/ only: results/ and work/ never trigger it     | /Resources/UploadFunction/Properties/Events/Upload/Properties/Filter           | {"S3Key": {"Rules": [{"Name": "prefix", "Value": "uploads/"}]}}
            chunks come from the chunk queue                             | /Resources/ChunkFunction/Properties/Events/Chunks/Type                         | "SQS"
            the chunk queue is this template's                           | /Resources/ChunkFunction/Properties/Events/Chunks/Properties/Queue             | {"Fn::GetAtt": ["ChunkQueue", "Arn"]}
            a failed chunk alone is retried                              | /Resources/ChunkFunction/Properties/Events/Chunks/Properties/FunctionResponseTypes | ["ReportBatchItemFailures"]
            chunks run at most as many at once as the table absorbs (docs/aws.md), or as reserved | /Resources/ChunkFunction/Properties/Events/Chunks/Properties/ScalingConfig | {"MaximumConcurrency": {"Fn::If": ["ChunkConcurrencyReserved", {"Ref": "ChunkReservedConcurrency"}, {"Ref": "ChunkPollers"}]}}
            chunks failing again and again go to the dead-letter queue   | /Resources/ChunkQueue/Properties/RedrivePolicy/deadLetterTargetArn             | {"Fn::GetAtt": ["ChunkDeadLetterQueue", "Arn"]}
            the table keys                                               | /Resources/ResultsTable/Properties/KeySchema                                   | [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}]
            results expire by DynamoDB's TTL on expires_at               | /Resources/ResultsTable/Properties/TimeToLiveSpecification                     | {"AttributeName": "expires_at", "Enabled": true}
            results survive the stack                                    | /Resources/ResultsTable/DeletionPolicy                                         | "Retain"
            the signup-form route has its own throttle                   | /Resources/HttpApi/Properties/RouteSettings/GET ~1v1~1check                    | {"ThrottlingRateLimit": {"Ref": "CheckThrottleRate"}, "ThrottlingBurstLimit": {"Ref": "CheckThrottleBurst"}}
            functions are told the bucket's name without a !Ref          | /Globals/Function/Environment/Variables/UPLOAD_BUCKET                          | {"Fn::Sub": ["${UploadBucketPrefix}-uploads-${AWS::AccountId}-${StackSuffix}", {"StackSuffix": {"Fn::Select": [0, {"Fn::Split": ["-", {"Fn::Select": [2, {"Fn::Split": ["/", {"Ref": "AWS::StackId"}]}]}]}]}}]}
            the same name the bucket is given (a kept bucket of a deleted stack never blocks a new one: its name has a piece of the stack id) | /Resources/UploadBucket/Properties/BucketName | {"Fn::Sub": ["${UploadBucketPrefix}-uploads-${AWS::AccountId}-${StackSuffix}", {"StackSuffix": {"Fn::Select": [0, {"Fn::Split": ["-", {"Fn::Select": [2, {"Fn::Split": ["/", {"Ref": "AWS::StackId"}]}]}]}]}}]}
            an upload failed three times is recorded on the failure queue | /Resources/UploadFunction/Properties/EventInvokeConfig                        | {"MaximumRetryAttempts": 2, "DestinationConfig": {"OnFailure": {"Type": "SQS", "Destination": {"Fn::GetAtt": ["UploadFailureQueue", "Arn"]}}}}
            whose records the failure function reads                      | /Resources/FailureFunction/Properties/Events/FailedUploads/Properties/Queue    | {"Fn::GetAtt": ["UploadFailureQueue", "Arn"]}
            as it reads the chunks in the dead-letter queue               | /Resources/FailureFunction/Properties/Events/DeadChunks/Properties/Queue       | {"Fn::GetAtt": ["ChunkDeadLetterQueue", "Arn"]}
            a missing key is a 404 (not S3's 403) to the API function    | /Resources/ApiS3Policy/Properties/PolicyDocument/Statement/2                   | {"Sid": "MissingIs404", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": {"Fn::GetAtt": ["UploadBucket", "Arn"]}}
            jobs are announced on the default bus                        | /Globals/Function/Environment/Variables/EVENT_BUS_NAME                         | "default"
            a start without a snapshot compiles with C1 only, on the serial collector (bench/run measures this value) | /Globals/Function/Environment/Variables/JAVA_TOOL_OPTIONS | "-XX:+TieredCompilation -XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
            """)
    void templateSays(String scenario, String pointer, String json) throws IOException {
        JsonNode actual = template.at(pointer);
        assertFalse(actual.isMissingNode(), pointer + " is missing");
        assertEquals(new ObjectMapper().readTree(json), actual, scenario);
    }

    @Test
    void theDeadLetterQueueIsReachedAfterRetries() {
        int receives = template.at("/Resources/ChunkQueue/Properties/RedrivePolicy/maxReceiveCount").asInt();
        assertTrue(receives >= 1, "maxReceiveCount " + receives);
    }

    /**
     * AWS advises a visibility timeout of about six times the consuming function's timeout: less, and a batch still
     * being worked on reappears to a second worker; more, and a failing message waits longer than it must.
     */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"ChunkQueue, ChunkFunction", "ChunkDeadLetterQueue, FailureFunction", "UploadFailureQueue, FailureFunction"})
    void messagesStayInvisibleForSixTimeoutsOfTheirFunction(String queue, String function) {
        int visibility = template.at("/Resources/" + queue + "/Properties/VisibilityTimeout").asInt();
        int timeout = property(function, "Timeout").asInt();
        assertEquals(6 * timeout, visibility, queue + "'s VisibilityTimeout against " + function + "'s timeout " + timeout + " s");
    }

    /**
     * A chunk that fails on every delivery reaches the dead-letter queue (whose function ends its job) after
     * maxReceiveCount visibility timeouts: within the 90 minutes docs/aws.md promises, not hours.
     */
    @Test
    void aPoisonedChunkEndsItsJobWithinNinetyMinutes() {
        int receives = template.at("/Resources/ChunkQueue/Properties/RedrivePolicy/maxReceiveCount").asInt();
        int visibility = template.at("/Resources/ChunkQueue/Properties/VisibilityTimeout").asInt();
        assertTrue(receives * visibility <= 90 * 60, receives + " receives x " + visibility + " s");
    }

    /**
     * CloudFormation's Rules take rule functions only (AWS's "Rule functions" page); cfn-lint and moto accept
     * others (Fn::Join, say) that a real CreateChangeSet may refuse.
     */
    @Test
    void rulesUseRuleFunctionsOnly() {
        Set<String> allowed = Set.of("Fn::And", "Fn::Contains", "Fn::EachMemberEquals", "Fn::EachMemberIn",
                "Fn::Equals", "Fn::Not", "Fn::Or", "Fn::RefAll", "Fn::ValueOf", "Fn::ValueOfAll", "Ref");
        Set<String> used = new TreeSet<>();
        functions(template.path("Rules"), used);
        assertTrue(used.contains("Ref"), "the walk sees the rules' functions: " + used);
        assertEquals(Set.of(), used.stream().filter(f -> !allowed.contains(f)).collect(Collectors.toSet()), used.toString());
    }

    private static void functions(JsonNode node, Set<String> found) {
        if (node.isObject()) {
            node.properties().forEach(e -> {
                if (e.getKey().startsWith("Fn::") || e.getKey().equals("Ref")) {
                    found.add(e.getKey());
                }
                functions(e.getValue(), found);
            });
        } else if (node.isArray()) {
            node.forEach(n -> functions(n, found));
        }
    }

    /** Routes of the HTTP API: method | path | needs IAM or JWT authorization. */
    @ParameterizedTest(name = "{0} {1}, authorized: {2}")
    @CsvSource(delimiter = '|', textBlock = """
            GET  | /v1/check              | false
            POST | /v1/check              | false
            POST | /v1/checks             | true
            POST | /v1/jobs               | true
            GET  | /v1/jobs/{id}          | true
            DELETE | /v1/jobs/{id}        | true
            GET  | /v1/jobs/{id}/results  | true
            POST | /v1/jobs/{id}/rerun    | true
            GET  | /v1/openapi.json       | false
            GET  | /v1/smtp-codes/{code}  | false
            GET  | /widget.js             | false
            GET  | /demo                  | false
            """)
    void routeReachesTheApiFunction(String method, String path, boolean authorized) {
        long events = count(template.at("/Resources/ApiFunction/Properties/Events"), e ->
                e.path("Type").asText().equals("HttpApi")
                        && e.at("/Properties/Method").asText().equals(method)
                        && e.at("/Properties/Path").asText().equals(path)
                        && e.at("/Properties/PayloadFormatVersion").asText().equals("2.0")
                        && e.at("/Properties/ApiId").equals(ref("HttpApi")));
        assertEquals(1, events, "HttpApi events (payload 2.0) for " + method + " " + path);
        JsonNode security = template.at("/Resources/HttpApi/Properties/DefinitionBody/paths")
                .path(path).path(method.toLowerCase()).path("security");
        assertEquals(authorized, !security.isMissingNode(), "security of " + method + " " + path);
    }

    /** The served OpenAPI document describes each route as the template deploys it, authorization included. */
    @Test
    void theOpenApiDocumentDescribesTheRoutesAsDeployed() throws IOException {
        JsonNode doc = new ObjectMapper().readTree(Path.of("src/main/resources/openapi.json").toFile());
        JsonNode secured = template.at("/Resources/HttpApi/Properties/DefinitionBody/paths");
        template.at("/Resources/ApiFunction/Properties/Events").forEach(e -> {
            String path = e.at("/Properties/Path").asText();
            String method = e.at("/Properties/Method").asText().toLowerCase();
            JsonNode op = doc.path("paths").path(path).path(method);
            assertFalse(op.isMissingNode(), method + " " + path + " is not in openapi.json");
            boolean authorized = !secured.path(path).path(method).path("security").isMissingNode();
            // Said either way: a public operation has "security": [] (open to all), not nothing.
            assertTrue(op.path("security").isArray(), method + " " + path + " says its security");
            assertEquals(authorized, !op.path("security").isEmpty(), method + " " + path + " security");
            assertTrue(op.at("/responses/405").isObject() && op.at("/responses/500").isObject(),
                    method + " " + path + " 405/500");
            assertEquals(authorized, op.at("/responses/401").isObject() && op.at("/responses/403").isObject(),
                    method + " " + path + " 401/403");
            assertTrue(op.at("/responses/429").isObject(), method + " " + path + " 429");
        });
        assertEquals(Set.of("Iam", "Jwt"), iterable(doc.at("/components/securitySchemes").fieldNames()));
    }

    private static Set<String> iterable(Iterator<String> names) {
        Set<String> out = new TreeSet<>();
        names.forEachRemaining(out::add);
        return out;
    }

    @Test
    void everyApiRouteIsInTheRouteTable() {
        assertEquals(12, count(template.at("/Resources/ApiFunction/Properties/Events"),
                e -> e.path("Type").asText().equals("HttpApi")));
    }

    /**
     * Each function has a role of its own, so SAM adds no policy of its own accord: in particular its VPC
     * access policy, which SAM attaches whenever VpcConfig is present, even as an !If that comes out empty.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = FUNCTIONS)
    void theVpcPolicyOnlyInAVpc(String function) {
        JsonNode properties = template.at("/Resources/" + function + "/Properties");
        assertTrue(properties.path("Policies").isMissingNode(), function + " has SAM Policies");
        String role = properties.at("/Role/Fn::GetAtt/0").asText();
        JsonNode managed = template.at("/Resources/" + role + "/Properties/ManagedPolicyArns");
        Set<String> always = new TreeSet<>();
        Set<String> inVpc = new TreeSet<>();
        for (JsonNode arn : managed) {
            if (arn.has("Fn::If")) {
                assertEquals("InVpc", arn.get("Fn::If").get(0).asText());
                assertEquals(ref("AWS::NoValue"), arn.get("Fn::If").get(2));
                inVpc.add(arn.get("Fn::If").get(1).path("Fn::Sub").asText());
            } else {
                always.add(arn.path("Fn::Sub").asText());
            }
        }
        assertEquals(Set.of("arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"), always);
        assertEquals(Set.of("arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"), inVpc);
    }

    /** The template's rules, as CloudFormation evaluates them on the parameters given. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # case                                        | SmtpEnabled | SmtpHelo   | SmtpSocks      | VpcSubnetIds | VpcSecurityGroupId | rules that fail
            defaults                                      | false       | ''         | ''             | ''           | ''                 | -
            SMTP through a SOCKS proxy                    | true        | probe.example | 192.0.2.1:1080 | ''        | ''                 | -
            SMTP from a VPC                               | true        | probe.example | ''          | subnet-1     | sg-1               | -
            SMTP with a security group but no subnets     | true        | probe.example | ''          | ''           | sg-1               | SmtpProbeNeedsARoute VpcParametersTogether
            SMTP with no route at all                     | true        | probe.example | ''          | ''           | ''                 | SmtpProbeNeedsARoute
            SMTP without a HELO name                      | true        | ''         | 192.0.2.1:1080 | ''           | ''                 | SmtpProbeNeedsARoute
            subnets without a security group              | false       | ''         | ''             | subnet-1     | ''                 | VpcParametersTogether
            a security group without subnets              | false       | ''         | ''             | ''           | sg-1               | VpcParametersTogether
            """)
    void rules(String scenario, String smtp, String helo, String socks, String subnets, String group, String fails) {
        Map<String, String> parameters = new HashMap<>();
        template.path("Parameters").properties().forEach(p -> parameters.put(p.getKey(), p.getValue().path("Default").asText()));
        parameters.putAll(Map.of("SmtpEnabled", smtp, "SmtpHelo", helo, "SmtpSocks", socks, "VpcSubnetIds", subnets,
                "VpcSecurityGroupId", group));
        Set<String> failing = new TreeSet<>();
        template.path("Rules").properties().forEach(rule -> {
            JsonNode condition = rule.getValue().path("RuleCondition");
            if (!condition.isMissingNode() && !CloudFormation.resolve(condition, parameters).asBoolean()) {
                return;
            }
            for (JsonNode assertion : rule.getValue().path("Assertions")) {
                if (!CloudFormation.resolve(assertion.path("Assert"), parameters).asBoolean()) {
                    failing.add(rule.getKey());
                }
            }
        });
        assertEquals(fails == null ? Set.of() : Set.of(fails.split(" ")), failing, scenario);
    }

    // -- reading the template ------------------------------------------------------------------------------

    /** A property of a function, or the Globals' one when the function has none. */
    static JsonNode property(String function, String name) {
        JsonNode own = template.at("/Resources/" + function + "/Properties").path(name);
        return own.isMissingNode() ? template.at("/Globals/Function").path(name) : own;
    }

    /** The function's environment as SAM merges it: the Globals' variables, then its own. */
    static JsonNode variables(String function) {
        ObjectNode merged = NODES.objectNode();
        merged.setAll((ObjectNode) template.at("/Globals/Function/Environment/Variables"));
        JsonNode own = template.at("/Resources/" + function + "/Properties/Environment/Variables");
        if (own.isObject()) {
            merged.setAll((ObjectNode) own);
        }
        return merged;
    }

    static long count(JsonNode object, Predicate<JsonNode> test) {
        return object.properties().stream().filter(e -> test.test(e.getValue())).count();
    }

    static JsonNode ref(String name) {
        return NODES.objectNode().put("Ref", name);
    }
}
