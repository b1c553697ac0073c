package dev.mailcheck.verdict;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.annotation.JsonAppend;
import com.fasterxml.jackson.databind.cfg.ContextAttributes;
import com.fasterxml.jackson.databind.cfg.MapperConfig;
import com.fasterxml.jackson.databind.introspect.AnnotatedClass;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.ser.VirtualBeanPropertyWriter;
import com.fasterxml.jackson.databind.util.Annotations;
import dev.mailcheck.HeldBack;
import dev.mailcheck.SmtpReply;
import java.io.UncheckedIOException;
import java.util.function.IntFunction;

/**
 * The JSON shape of a {@link CheckResult}, the same wherever a result is written. A reply is written with a
 * {@code reference}: where its code is explained, as the edge that writes the result says (the API's
 * {@code GET /v1/smtp-codes/{code}}), null for a code it does not explain. The link is the edge's, so neither
 * {@link SmtpReply} (two numbers) nor the core knows the API's paths.
 */
public final class ResultJson {

    private static final ObjectMapper SHAPE = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .addMixIn(SmtpReply.class, ReplyWithReference.class)
            .build();

    private ResultJson() {
    }

    /**
     * A mapper that writes results in this shape; made once per writer, as each is a copy.
     *
     * @param reference where a reply code is explained, or null for a code explained nowhere
     */
    public static ObjectMapper mapper(IntFunction<String> reference) {
        return SHAPE.copy().setDefaultAttributes(ContextAttributes.getEmpty().withSharedAttribute(Reference.class,
                reference));
    }

    /**
     * What a result written in this shape says the SMTP probe held back ({@link CheckResult#heldBack}), or null: for
     * a store that counts a job from the results it kept. Most results hold nothing back and are not parsed.
     */
    public static HeldBack heldBack(String json) {
        if (!json.contains("\"not_tried_by_breaker\":true") && !json.contains("\"waited_for_budget\":true")) {
            return null;
        }
        try {
            JsonNode smtp = SHAPE.readTree(json).path("smtp");
            return new HeldBack(smtp.path("provider_group").asText(), smtp.path("not_tried_by_breaker").asBoolean() ? 1 : 0,
                    smtp.path("waited_for_budget").asBoolean() ? 1 : 0);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    @JsonAppend(props = @JsonAppend.Prop(value = Reference.class, name = "reference",
            include = JsonInclude.Include.ALWAYS))
    private abstract static class ReplyWithReference {
    }

    /** Appends the link after the reply's own fields, whatever they are. */
    private static final class Reference extends VirtualBeanPropertyWriter {

        @SuppressWarnings("unused") // Jackson makes the first one with this, then calls withConfig
        Reference() {
        }

        private Reference(BeanPropertyDefinition property, Annotations annotations, JavaType type) {
            super(property, annotations, type);
        }

        @Override
        protected Object value(Object reply, JsonGenerator gen, SerializerProvider prov) {
            return ((IntFunction<?>) prov.getAttribute(Reference.class)).apply(((SmtpReply) reply).code());
        }

        @Override
        public VirtualBeanPropertyWriter withConfig(MapperConfig<?> config, AnnotatedClass declaringClass,
                                                    BeanPropertyDefinition property, JavaType type) {
            return new Reference(property, declaringClass.getAnnotations(), type);
        }
    }
}
