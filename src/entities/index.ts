import { Device } from './Device';
import { MailOutbox } from './MailOutbox';
import { OneTimeToken, type OneTimePurpose } from './OneTimeToken';
import { RefreshToken } from './RefreshToken';
import { User } from './User';

export { Device, MailOutbox, OneTimeToken, RefreshToken, User, type OneTimePurpose };

/** Add these to your own MikroORM config's `entities` to embed Gatehouse. */
export const gatehouseEntities = [User, Device, RefreshToken, OneTimeToken, MailOutbox];
