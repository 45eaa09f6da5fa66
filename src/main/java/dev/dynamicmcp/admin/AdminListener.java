package dev.dynamicmcp.admin;

import dev.dynamicmcp.manager.ManagerListener;

/**
 * What the admin side hears from the backend: the manager's events (it is a {@link ManagerListener}: add it to
 * the manager's listeners) plus config changes. Same contract as the manager's: fast, never throws, called
 * without a lock held.
 */
public interface AdminListener extends ManagerListener {
    default void configChanged(ConfigChange change) {
    }
}
