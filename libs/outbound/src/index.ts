export { OutboundService, type OutboundRequest, type OutboundResult } from './outbound.service';
export { OutboundModule } from './outbound.module';
export { blockedHost, isPublicAddress } from './address-guard';
