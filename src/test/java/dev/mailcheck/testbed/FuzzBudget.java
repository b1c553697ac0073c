package dev.mailcheck.testbed;

import java.util.List;
import net.jqwik.api.lifecycle.AroundTryHook;
import net.jqwik.api.lifecycle.Lifespan;
import net.jqwik.api.lifecycle.PropagationMode;
import net.jqwik.api.lifecycle.Store;
import net.jqwik.api.lifecycle.TryExecutionResult;
import net.jqwik.api.lifecycle.TryExecutor;
import net.jqwik.api.lifecycle.TryLifecycleContext;

/**
 * Bounds each property of a class by time instead of by tries when the system property
 * {@code fuzz.seconds} is set, as the {@code fuzz-long} Maven profile does (raising the tries far
 * beyond what that time allows). Without it the property runs its configured tries, quickly, as in CI.
 * Register with {@code @AddLifecycleHook(FuzzBudget.class)} on the property class.
 */
public final class FuzzBudget implements AroundTryHook {

    private static final Long SECONDS = Long.getLong("fuzz.seconds");

    @Override
    public TryExecutionResult aroundTry(TryLifecycleContext context, TryExecutor aroundTry, List<Object> parameters) {
        TryExecutionResult result = aroundTry.execute(parameters);
        if (SECONDS == null || !result.isSatisfied()) {
            return result;
        }
        Store<Long> started = Store.getOrCreate(List.of(FuzzBudget.class, context.targetMethod()), Lifespan.PROPERTY,
                System::nanoTime);
        boolean spent = System.nanoTime() - started.get() > SECONDS * 1_000_000_000L;
        return spent ? TryExecutionResult.satisfied(true) : result;
    }

    @Override
    public PropagationMode propagateTo() {
        return PropagationMode.ALL_DESCENDANTS;
    }
}
