package dev.mailcheck.testbed.snapstart;

import java.util.ArrayList;
import java.util.List;

/**
 * A stand-in for the CRaC implementation Lambda's SnapStart runtime gives org.crac, for the benchmark: named by
 * {@code -Dorg.crac.Core.Compat=dev.mailcheck.testbed.snapstart}, it takes what code registers through
 * {@code org.crac.Core.getGlobalContext()}, and {@link #checkpointRestore()} runs every resource's
 * beforeCheckpoint (the last registered first, as CRaC does), then each afterRestore in registration order. It
 * takes no snapshot: the process goes on, so what follows stands for a restore that paid nothing for itself.
 */
public final class Core {

    private static final Global GLOBAL = new Global();

    private Core() {
    }

    public static Context<Resource> getGlobalContext() {
        return GLOBAL;
    }

    public static void checkpointRestore() throws CheckpointException, RestoreException {
        try {
            GLOBAL.beforeCheckpoint(GLOBAL);
        } catch (Exception e) {
            throw new CheckpointException(e);
        }
        try {
            GLOBAL.afterRestore(GLOBAL);
        } catch (Exception e) {
            throw new RestoreException(e);
        }
    }

    private static final class Global extends Context<Resource> {

        private final List<Resource> resources = new ArrayList<>();

        @Override
        public synchronized void register(Resource resource) {
            resources.add(resource);
        }

        @Override
        public synchronized void beforeCheckpoint(Context<? extends Resource> context) throws Exception {
            for (Resource r : resources.reversed()) {
                r.beforeCheckpoint(this);
            }
        }

        @Override
        public synchronized void afterRestore(Context<? extends Resource> context) throws Exception {
            for (Resource r : resources) {
                r.afterRestore(this);
            }
        }
    }
}
