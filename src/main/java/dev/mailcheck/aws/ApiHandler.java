package dev.mailcheck.aws;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.mailcheck.api.Api;
import jakarta.inject.Named;
import dev.mailcheck.dns.MxResolver;
import dev.mailcheck.smtp.SmtpProber;
import dev.mailcheck.verdict.Checker;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Lambda entry point for the HTTP API (API Gateway HTTP API, payload format 2.0). The resolver and
 * its cache live as long as the execution environment, so repeated domains answer from memory.
 */
@Named("api")
public final class ApiHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {

    private final Api api;

    public ApiHandler() {
        this(AwsConfig.fromEnv());
    }

    private ApiHandler(AwsConfig config) {
        MxResolver dns = new MxResolver(config.dnsServers(), config.dnsTimeout(), MxResolver.DEFAULT_MAX_IN_FLIGHT);
        this.api = new Api(new Checker(dns), config.smtp() == null ? null : new Checker(dns, new SmtpProber(config.smtp())),
                new DynamoResultStore(Aws.dynamo(), config.table(), config.retention()), config.corsOrigins());
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        Map<String, String> headers = new HashMap<>();
        if (event.getHeaders() != null) {
            event.getHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), v));
        }
        String body = event.getBody();
        if (body != null && event.getIsBase64Encoded()) {
            body = new String(Base64.getDecoder().decode(body), StandardCharsets.UTF_8);
        }
        Api.Response r = api.handle(new Api.Request(event.getRequestContext().getHttp().getMethod(), event.getRawPath(),
                event.getQueryStringParameters() == null ? Map.of() : event.getQueryStringParameters(), headers, body));
        return APIGatewayV2HTTPResponse.builder().withStatusCode(r.status()).withHeaders(r.headers())
                .withBody(r.body()).build();
    }
}
