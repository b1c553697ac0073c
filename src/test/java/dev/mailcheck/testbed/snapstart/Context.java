package dev.mailcheck.testbed.snapstart;

/** org.crac's Context, as a CRaC implementation provides it (see {@link Core}). */
public abstract class Context<R extends Resource> implements Resource {

    public abstract void register(R resource);
}
