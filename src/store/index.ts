/** The session store: every write of session state, and the events that follow them. */
export { SessionStore } from './store';
export { GatehouseEvents, type GatehouseEvent, type GatehouseEventType, type EndReason, type Origin, type Listener } from './events';
export type { DeviceView } from './rows';
export type { AppTokenView } from './create-app-token';
export type { Rotation } from './rotate';
export type { PasswordSet } from './set-password';
export { decideRotation, type RotationDecision, type RotationState } from './decide-rotation';
