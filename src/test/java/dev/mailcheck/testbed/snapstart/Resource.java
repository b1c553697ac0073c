package dev.mailcheck.testbed.snapstart;

/** org.crac's Resource, as a CRaC implementation provides it (see {@link Core}). */
public interface Resource {

    void beforeCheckpoint(Context<? extends Resource> context) throws Exception;

    void afterRestore(Context<? extends Resource> context) throws Exception;
}
