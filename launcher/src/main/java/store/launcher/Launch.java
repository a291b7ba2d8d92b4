package store.launcher;

/**
 * The jar's entry point. A store mode started without heap options runs in a child JVM sized by {@link JvmSizing};
 * that is decided here, before {@link Main} loads its logging, configuration and Vert.x classes: in the launcher JVM
 * they only delayed the child (and so the embedded node it starts) by about half a second at every start, and stayed
 * in the launcher's memory while it waited.
 */
public final class Launch {
  private Launch() {
  }

  public static void main(String[] args) throws Exception {
    JvmSizing.relaunchIfWanted(args);
    Main.main(args);
  }
}
